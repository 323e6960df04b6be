// Kafka protocol error codes (the numbers of Kafka's Errors.java) that the
// ks Kafka listener answers with, and the default code for a Status (the
// error table, common/errors.h). A handler answers default_error(s) unless
// it decides on a more specific code from what it asked for; it never
// reads a message to choose.
#pragma once

#include <cstdint>

#include "common/errors.h"

namespace ks::kafka {

enum ErrorCode : int16_t {
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kMessageTooLarge = 10,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kInvalidTimestamp = 32,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kTransactionalIdAuthorizationFailed = 53,
  kKafkaStorageError = 56,
  kGroupIdNotFound = 69,
  kNonEmptyGroup = 68,
  kMemberIdRequired = 79,
  kFencedInstanceId = 82,
  kUnknownTopicId = 100,
  kFencedMemberEpoch = 110,
  kUnreleasedInstanceId = 111,
  kUnsupportedAssignor = 112,
  kStaleMemberEpoch = 113,
  kUnknownServerError = -1,
};

// The Kafka code for `s` when the handler has no more specific one.
constexpr int16_t default_error(Code code) { return error_info(code).kafka; }
inline int16_t default_error(const Status& s) { return default_error(s.code()); }

// The table's numbers are these names' numbers.
static_assert(default_error(Code::kOk) == kNone);
static_assert(default_error(Code::kNotFound) == kUnknownTopicOrPartition);
static_assert(default_error(Code::kAlreadyExists) == kTopicAlreadyExists);
static_assert(default_error(Code::kInvalidArgument) == kCorruptMessage);
static_assert(default_error(Code::kCorruption) == kCorruptMessage);
static_assert(default_error(Code::kIOError) == kKafkaStorageError);
static_assert(default_error(Code::kBusy) == kUnknownServerError);
static_assert(default_error(Code::kUnavailable) == kUnknownServerError);
static_assert(default_error(Code::kOutOfRange) == kOffsetOutOfRange);
static_assert(default_error(Code::kRebalanceInProgress) == kRebalanceInProgress);
static_assert(default_error(Code::kGroupInUse) == kNonEmptyGroup);
static_assert(default_error(Code::kRetryLater) == kUnknownServerError);
static_assert(default_error(Code::kInterrupted) == kUnknownServerError);
static_assert(default_error(Code::kInvalidTimestamp) == kInvalidTimestamp);
static_assert(default_error(Code::kOutOfOrderSequence) == kOutOfOrderSequenceNumber);
static_assert(default_error(Code::kInvalidProducerEpoch) == kInvalidProducerEpoch);

}  // namespace ks::kafka
