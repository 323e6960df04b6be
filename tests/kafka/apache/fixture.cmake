# The reference broker: ONE Apache Kafka 4.4.0 (tests/kafka/apache/kafka.sh)
# for every test of a ctest run that needs it. A test asks for it with
#
#   ks_requires_apache_kafka(<test name>)
#
# which makes ctest run apache_kafka:start before it and apache_kafka:stop
# after the last such test, and gives it KS_APACHE_KAFKA_DIR, the broker's
# directory; its bootstrap address is in $KS_APACHE_KAFKA_DIR/bootstrap
# (tests/kafka/lib.sh: `apache_bootstrap`). The directory is fixed:
# <build>/apache-kafka. Locally without java/mvn the start is skipped
# (77) and the tests that need it are not run; in CI it fails.
set(KS_APACHE_KAFKA_DIR ${CMAKE_BINARY_DIR}/apache-kafka)
add_test(NAME apache_kafka:start
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kafka.sh start ${KS_APACHE_KAFKA_DIR})
set_tests_properties(apache_kafka:start PROPERTIES
  FIXTURES_SETUP apache_kafka TIMEOUT 600 LABELS "kafka;apache" SKIP_RETURN_CODE 77
  # The start empties the directory: never while another run's tests use it.
  RESOURCE_LOCK apache_kafka_dir)
add_test(NAME apache_kafka:stop
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kafka.sh stop ${KS_APACHE_KAFKA_DIR})
set_tests_properties(apache_kafka:stop PROPERTIES
  FIXTURES_CLEANUP apache_kafka TIMEOUT 60 LABELS "kafka;apache")

function(ks_requires_apache_kafka test)
  set_tests_properties(${test} PROPERTIES FIXTURES_REQUIRED apache_kafka)
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT KS_APACHE_KAFKA_DIR=${KS_APACHE_KAFKA_DIR})
endfunction()
