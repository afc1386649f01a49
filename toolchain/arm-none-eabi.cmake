# Cross build for the Cortex-M4F reader firmware (mps2-an386 under QEMU; DESIGN 10).
# Debian 12 packages: gcc-arm-none-eabi, libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib.
# Builds only the firmware: the top-level CMakeLists skips host-only parts when
# IDR_FIRMWARE_ONLY is on.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size")

# Compiler checks link a test program: a static library needs no start-up code.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4F, hard float; size over speed; sections per function so --gc-sections drops
# what is not used; newlib-nano (no heap after start-up: the board's _sbrk refuses).
set(IDR_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${IDR_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${IDR_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${IDR_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${IDR_ARM_CPU_FLAGS} --specs=nano.specs -Wl,--gc-sections")
# -Os in every build type: the footprint budget is measured on what runs.
set(CMAKE_C_FLAGS_DEBUG_INIT "-Os -g")
set(CMAKE_CXX_FLAGS_DEBUG_INIT "-Os -g")
set(CMAKE_C_FLAGS_RELEASE_INIT "-Os -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE_INIT "-Os -DNDEBUG")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_CXX_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

set(IDR_FIRMWARE_ONLY ON CACHE BOOL "Build only the firmware (cross build)" FORCE)
set(IDR_BUILD_TESTS OFF CACHE BOOL "Build the tests" FORCE)
set(IDR_SANITIZE OFF CACHE BOOL "No sanitizers on the target" FORCE)
