// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of
// Kafka RecordBatch v2. The check value of "123456789" is 0xE3069283.
//
// value()/extend() use the SSE4.2 crc32 instruction when the CPU has it and
// a slicing-by-8 table otherwise; both give the same answers, and both are
// exposed so tests can compare them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ks::crc32c {

// Returns the CRC-32C of data[0, n) continued from `crc`, the CRC-32C of
// the bytes before it (0 for none).
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }

// The two implementations behind extend().
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);  // needs SSE4.2
bool hardware_available();

}  // namespace ks::crc32c
