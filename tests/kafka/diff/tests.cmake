# Differential tests against the Apache Kafka 4.4 fixture (see
# tests/kafka/diff/diff.py and allowed.json). Needs java, javac and mvn
# (installed by tests/kafka/apache/kafka.sh as root).
add_test(NAME kafka:differential
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_diff.sh $<TARGET_FILE:ks>)
set_tests_properties(kafka:differential PROPERTIES
  TIMEOUT 900 LABELS "kafka;differential" SKIP_RETURN_CODE 77)
ks_requires_apache_kafka(kafka:differential)
