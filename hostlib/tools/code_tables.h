#pragma once
// Meanings of the coded card fields, for people: gender (GB/T 2261.1) and ethnicity
// (GB 3304), as DESIGN 7 names them.
#include <string>

namespace idr::tool {

// "0" unknown, "1" male, "2" female, "9" unspecified; nullptr for any other code.
[[nodiscard]] const char* gender_meaning(const std::string& code) noexcept;
// "01" -> "汉" ... "56" -> "基诺", "97" -> "其他", "98" -> "外国血统"; nullptr otherwise.
[[nodiscard]] const char* ethnicity_name(const std::string& code) noexcept;

}  // namespace idr::tool
