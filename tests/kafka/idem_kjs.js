#!/usr/bin/env node
// kafkajs (2.2.4, tests/kafka/node_modules) as an idempotent producer, for
// tests/kafka/test_idempotence.sh:
//
//   idem_kjs.js BROKER TOPIC PARTITIONS COUNT
//       a producer with idempotent: true sends records "i" to partition
//       i % PARTITIONS, 100 per send(), and prints {"acked": N, "pids": [...]}.
'use strict'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const path = require('path')
const { Kafka, logLevel } = require(path.join(__dirname, 'node_modules', 'kafkajs'))

const [broker, topic, partitionsArg, countArg] = process.argv.slice(2)
const partitions = Number(partitionsArg)
const count = Number(countArg)
const timer = setTimeout(() => {
  console.error('idem_kjs: out of time')
  process.exit(1)
}, 60000 * Number(process.env.KS_IT_TIMEOUT_SCALE || 1))

async function main() {
  const kafka = new Kafka({ clientId: 'idem-kjs', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 3 } })
  // kafkajs keeps one request in flight when idempotent.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  let acked = 0
  for (let i = 0; i < count; i += 100) {
    const messages = []
    for (let j = i; j < Math.min(count, i + 100); j++) messages.push({ partition: j % partitions, value: String(j) })
    const results = await producer.send({ topic, acks: -1, messages })
    for (const r of results) if (r.errorCode !== 0) throw new Error('partition ' + r.partition + ' error ' + r.errorCode)
    acked += messages.length
  }
  await producer.disconnect()
  process.stdout.write(JSON.stringify({ acked }) + '\n')
}

main().then(() => { clearTimeout(timer) }, (e) => {
  console.error('idem_kjs: ' + (e && e.stack || e))
  process.exit(1)
})
