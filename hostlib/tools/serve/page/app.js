// idr serve's page (DESIGN 12): shows the newest presentation from the Server-Sent Events
// stream. Card text is hostile input: it is only ever set as textContent, never as HTML.
'use strict';

const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
const $ = (id) => document.getElementById(id);

const FIELDS = [
  ['name', '姓名', 'Name'],
  ['english_name', '英文姓名', 'English name'],
  ['gender', '性别', 'Gender'],
  ['ethnicity', '民族', 'Ethnicity'],
  ['birth', '出生日期', 'Date of birth'],
  ['id_number', '公民身份号码', 'ID number'],
  ['address', '住址', 'Address'],
  ['authority', '签发机关', 'Issued by'],
  ['validity', '有效期限', 'Valid'],
  ['nationality', '国籍', 'Nationality'],
  ['pass_number', '通行证号码', 'Pass number'],
  ['issue_count', '签发次数', 'Issue count'],
];

const CHECKS = {
  signature: '签名 Signature', chain: '证书链 Certificate chain', revocation: '吊销 Revocation',
  nonce: '随机数 Nonce', counter: '计数器 Counter', sam: 'SAM', digest: '摘要 Field digest',
  decode: '解码 Decode', lost_stolen: '挂失 Lost/stolen',
  'card.type': '证件类型 Card type', 'birth.date': '出生日期 Date of birth',
  'gender.code': '性别代码 Gender code', 'ethnicity.code': '民族代码 Ethnicity code',
  'id_number.format': '号码格式 ID number format', 'id_number.check_digit': '校验位 Check digit',
  'id_number.region': '地区码 Region code', 'id_number.birth_date': '号码中出生日期 Birth date in number',
  'id_number.gender_parity': '号码性别位 Gender digit', 'validity.dates': '有效期日期 Validity dates',
  'validity.period': '有效期长度 Validity period', 'validity.current': '有效期 Validity (today)',
  'pass_number.format': '通行证号码格式 Pass number format',
  'permanent_residence_number.format': '永久居留证号码格式 Residence number format',
};

const STATUS = {
  SUCCEEDED: '通过 OK', WARNING: '注意 WARNING', NOT_CHECKED: '未检查 NOT CHECKED', FAILED: '失败 FAILED',
};

let shownId = 0;      // the presentation on screen (0: none)
let dismissedId = 0;  // presentations up to this one were dismissed (Enter / Esc / timeout)
let clearAfter = 60;  // seconds; from the server
let clearTimer = null;
let last = null;      // the last snapshot

function date(d) {
  return /^\d{8}$/.test(d || '') ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : (d || '');
}

function fieldText(card, key) {
  switch (key) {
    case 'gender': return card.gender ? `${card.gender_name || card.gender} ${card.gender_meaning || ''}`.trim() : '';
    case 'ethnicity': return card.ethnicity ? (card.ethnicity_name || card.ethnicity) : '';
    case 'birth': return date(card.birth);
    case 'validity': {
      const v = card.validity || {};
      if (!v.from && !v.to && !v.long_term) return '';
      return `${date(v.from)} – ${v.long_term ? '长期 long-term' : date(v.to)}`;
    }
    default: return card[key] || '';
  }
}

function api(path) {
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

function setPrompt(state, zh, en, detail) {
  document.body.dataset.state = state;
  $('prompt').hidden = false;
  $('result').hidden = true;
  $('prompt-zh').textContent = zh;
  $('prompt-en').textContent = en;
  $('prompt-detail').textContent = detail || '';
}

function row(tbody, cells, attrs) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs || {})) tr.dataset[k] = v;
  for (const [tag, text, cls] of cells) {
    const c = document.createElement(tag);
    c.textContent = text;
    if (cls) c.className = cls;
    tr.appendChild(c);
  }
  tbody.appendChild(tr);
}

function verdictOf(p) {
  if (p.error) return 'error';
  return p.accepted ? 'accepted' : 'rejected';
}

function showPresentation(p) {
  shownId = p.id;
  document.body.dataset.state = 'shown';
  $('prompt').hidden = true;
  $('result').hidden = false;
  const verdict = verdictOf(p);
  const badge = $('verdict');
  badge.dataset.verdict = verdict;
  badge.dataset.verified = p.verified ? 'true' : 'false';
  $('verdict-zh').textContent = verdict === 'accepted' ? '通过' : verdict === 'rejected' ? (p.verified ? '拒绝' : '未验证 · 拒绝') : '读取失败';
  $('verdict-en').textContent = verdict === 'accepted' ? 'ACCEPTED' : verdict === 'rejected' ? (p.verified ? 'REJECTED' : 'NOT VERIFIED · REJECTED') : 'READ FAILED';
  const reasons = (p.verdicts || []).filter((v) => (p.reasons || []).includes(v.name) && v.status !== 'SUCCEEDED' || v.status === 'FAILED');
  $('verdict-why').textContent = p.error ? p.error : reasons.map((v) => `${CHECKS[v.name] || v.name}: ${v.message}`).join(' · ');

  const fields = $('fields').tBodies[0];
  fields.replaceChildren();
  const card = p.verified ? p.card : null;  // never a field of a record that did not verify
  if (card) {
    for (const [key, zh, en] of FIELDS) {
      const text = fieldText(card, key);
      if (text) row(fields, [['th', `${zh} ${en}`], ['td', text]], { field: key });
    }
  }
  const img = $('photo');
  if (card && p.photo) {
    img.src = api(p.photo);
    img.hidden = false;
    $('no-photo').hidden = true;
  } else {
    img.removeAttribute('src');
    img.hidden = true;
    $('no-photo').hidden = false;
  }

  const listed = (p.verdicts || []).find((v) => v.name === 'lost_stolen');
  const ls = $('lost-stolen');
  ls.dataset.listed = listed && listed.status === 'FAILED' ? 'true' : 'false';
  ls.textContent = !listed ? '挂失状态 Lost/stolen: 未检查 not checked'
    : listed.status === 'FAILED' ? '挂失 LISTED lost/stolen'
    : listed.status === 'SUCCEEDED' ? '挂失状态 Lost/stolen: 未挂失 not listed'
    : `挂失状态 Lost/stolen: ${listed.message}`;
  $('reader-id').textContent = p.reader ? `读卡器 Reader ${p.reader.serial} · 计数 Counter ${p.reader.counter}` : '';
  $('read-time').textContent = p.time ? `读取 Read ${p.time.replace('T', ' ').replace('Z', ' UTC')}` : '';

  const checks = $('checks').tBodies[0];
  checks.replaceChildren();
  $('checks-box').scrollTop = 0;
  // FAILED rows first, then NOT_CHECKED, in their order otherwise: what rejected the card is
  // at the top of the list, visible without scrolling.
  const rank = { FAILED: 0, NOT_CHECKED: 1 };
  const verdicts = (p.verdicts || []).map((v, i) => [v, i]).sort(
      ([a, i], [b, j]) => ((rank[a.status] ?? 2) - (rank[b.status] ?? 2)) || (i - j));
  for (const [v] of verdicts) {
    const name = (CHECKS[v.name] || v.name) + (v.field ? ` [${v.field}]` : '');
    row(checks, [['td', name], ['td', STATUS[v.status] || v.status, 'status'], ['td', v.message, 'reason']],
        { check: v.name, status: v.status, reason: v.reason });
  }
  clearTimeout(clearTimer);
  if (clearAfter > 0) clearTimer = setTimeout(() => dismiss(), clearAfter * 1000);
}

function showHistory(list) {
  const ol = $('history');
  ol.replaceChildren();
  for (const p of list.slice(-8).reverse()) {
    const li = document.createElement('li');
    li.dataset.verdict = verdictOf(p);
    const t = (p.time || '').slice(11, 19);
    li.textContent = `${t} ${li.dataset.verdict === 'accepted' ? '通过 accepted' : li.dataset.verdict === 'rejected' ? '拒绝 rejected' : '失败 failed'}`;
    ol.appendChild(li);
  }
}

function showReader(r) {
  const names = { connecting: '连接中 · connecting', waiting: '就绪 · ready', reading: '读取中 · reading', error: '读卡器错误 · reader error' };
  $('reader-state').textContent = names[r.state] || r.state;
  $('reader-uri').textContent = r.uri || '';
}

function render(snap) {
  last = snap;
  clearAfter = snap.page ? snap.page.clear_after : clearAfter;
  const r = snap.reader || {};
  showReader(r);
  showHistory(snap.presentations || []);
  const newest = (snap.presentations || []).slice(-1)[0];
  if (r.state === 'error') {  // a stale card must not look current while the reader is down
    clearTimeout(clearTimer);
    shownId = 0;
    setPrompt('error', '读卡器不可用', 'Reader not available', r.detail);
    return;
  }
  if (r.state === 'reading') {
    clearTimeout(clearTimer);
    shownId = 0;
    setPrompt('reading', '正在读取…', 'Reading the card…');
    return;
  }
  if (newest && newest.id > dismissedId) {
    if (newest.id !== shownId) showPresentation(newest);
    return;
  }
  shownId = 0;
  if (r.state === 'connecting') setPrompt('waiting', '正在连接读卡器', 'Connecting to the reader');
  else setPrompt('waiting', '请放置证件', 'Place the card on the reader');
}

// Takes the card off the screen; a later presentation shows again.
function dismiss() {
  clearTimeout(clearTimer);
  const newest = last && (last.presentations || []).slice(-1)[0];
  if (newest) dismissedId = Math.max(dismissedId, newest.id);
  shownId = 0;
  if (last) render(last);
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') dismiss();  // next: ready for the next person
  if (e.key === 'Escape') {          // clear: the card and the history off the screen
    dismiss();
    $('history').replaceChildren();
  }
});

function connect() {
  if (!token) {
    setPrompt('error', '缺少令牌', 'No token in the address', 'Open the address idr serve printed (…/#token=…).');
    return;
  }
  const events = new EventSource(api('/api/events'));
  events.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    render(snap);
    document.body.dataset.seq = String(snap.seq);
  });
  events.onerror = () => {
    document.body.dataset.state = 'error';
    setPrompt('error', '与服务断开', 'Connection to idr serve lost', 'Reconnecting…');
  };
}

connect();
