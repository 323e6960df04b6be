#!/usr/bin/env node
// kafkajs (2.2.4, from tests/kafka/node_modules) steps for the Kafka
// compatibility tests; each prints JSON lines for the calling test to check
// and exits 1 with a message on any error or when it runs out of time.
//
//   kjs_client.js --broker HOST:PORT produce TOPIC --acks -1|1|0 [--spread P] [--batch N] [--compression gzip] < LINES
//       "key:value" lines (no ':' = null key) sent N per send(); with
//       --spread P record i goes to partition i % P and one
//       {"partition","offset"} line per record is printed (offsets from
//       the send() results), else one line per send() result.
//   kjs_client.js --broker B consume TOPIC --group G --count N [--linger-ms MS]
//       a consumer group member reads N records (autoCommit), prints them,
//       stays MS more, disconnects.
//   kjs_client.js --broker B rebalance TOPIC GROUP PARTITIONS
//       two members of GROUP in this process; see rebalance() below.
//   kjs_client.js --broker B admin create TOPIC PARTITIONS | delete TOPIC... | list
//       | topic-offsets TOPIC | group-offsets GROUP TOPIC | groups | describe-group GROUP
'use strict'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const path = require('path')
const { execFileSync } = require('child_process')
const { Kafka, logLevel, CompressionTypes } = require(path.join(__dirname, 'node_modules', 'kafkajs'))

const argv = process.argv.slice(2)
function option(name, dflt) {
  const i = argv.indexOf(name)
  if (i < 0) return dflt
  const v = argv[i + 1]
  argv.splice(i, 2)
  return v
}
const broker = option('--broker')
// A sanitizer build gets more time (KS_IT_TIMEOUT_SCALE, tests/CMakeLists.txt).
const deadlineMs = Number(option('--max-seconds', '45')) * 1000 * Number(process.env.KS_IT_TIMEOUT_SCALE || 1)
let step = 'start'

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}
function die(msg) {
  process.stderr.write(`kjs_client: ${msg}\n`)
  process.exit(1)
}
setTimeout(() => die(`timed out after ${deadlineMs / 1000} s at step: ${step}`), deadlineMs).unref()

const kafka = new Kafka({
  clientId: 'kjs-test',
  brokers: [broker],
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 },
  logLevel: logLevel.ERROR,
})

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
async function waitFor(what, cond, ms = 15000) {
  step = what
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting (${ms} ms) for: ${what}`)
    await sleep(50)
  }
}

function readLines() {
  const data = require('fs').readFileSync(0)
  const lines = []
  let start = 0
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 10) {
      lines.push(data.subarray(start, i))
      start = i + 1
    }
  }
  return lines.map(line => {
    const c = line.indexOf(58) // ':'
    return c < 0 ? { key: null, value: line } : { key: line.subarray(0, c), value: line.subarray(c + 1) }
  })
}

const hex = b => (b === null || b === undefined ? null : { hex: Buffer.from(b).toString('hex') })

async function produce(topic) {
  const acks = Number(option('--acks', '-1'))
  const parts = Number(option('--spread', '0'))
  const batch = Number(option('--batch', '50'))
  const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }[option('--compression', 'none')]
  const records = readLines()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  step = 'producer.connect'
  await producer.connect()
  for (let i = 0; i < records.length; i += batch) {
    const chunk = records.slice(i, i + batch).map((r, j) => (parts ? { ...r, partition: (i + j) % parts } : r))
    step = `send of records ${i}..${i + chunk.length - 1}`
    const results = await producer.send({ topic, acks, timeout: 10000, compression, messages: chunk })
    if (acks === 0) continue
    const base = {}
    for (const r of results) {
      if (r.errorCode !== 0) die(`send: partition ${r.partition} error ${r.errorCode}`)
      base[r.partition] = Number(r.baseOffset)
    }
    if (!parts) {
      for (const r of results) emit({ partition: r.partition, baseOffset: Number(r.baseOffset) })
      continue
    }
    const next = { ...base }
    for (const m of chunk) {
      if (next[m.partition] === undefined) die(`send: no result for partition ${m.partition}: ${JSON.stringify(results)}`)
      emit({ partition: m.partition, offset: next[m.partition]++ })
    }
  }
  step = 'producer.disconnect'
  await producer.disconnect()
}

function record(member, { topic, partition, message }) {
  return {
    member,
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: hex(message.key),
    value: hex(message.value),
    headers: Object.entries(message.headers || {}).map(([k, v]) => [k, hex(v)]),
  }
}

async function consume(topic) {
  const groupId = option('--group')
  const count = Number(option('--count'))
  const linger = Number(option('--linger-ms', '0'))
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 6000, maxWaitTimeInMs: 200 })
  let got = 0
  step = 'consumer.connect'
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async payload => {
      if (got >= count) return
      emit(record('c', payload))
      got++
    },
  })
  await waitFor(`${count} records`, () => got >= count, deadlineMs - 5000)
  await sleep(linger)
  step = 'consumer.disconnect'
  await consumer.disconnect()
}

function ks(...args) {
  return JSON.parse(execFileSync(process.env.KS, args, { encoding: 'utf8', timeout: 10000 }))
}

// Two members A and B of GROUP on TOPIC (PARTITIONS partitions):
//  1. both join; their assignments must split every partition between them;
//     `ks group describe` must show two members;
//  2. 200 keyed records produced now are read between them, each once;
//  3. B disconnects (LeaveGroup); A must end up with every partition and
//     `ks group describe` must show one member;
//  4. 200 more records produced after the leave are all read by A, each once.
// Prints {"phase", ...} lines; exits 1 on any violation.
async function rebalance(topic, groupId, nparts) {
  nparts = Number(nparts)
  const all = [...Array(nparts).keys()]
  const members = {}
  for (const name of ['A', 'B']) {
    const c = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 6000, maxWaitTimeInMs: 200 })
    const m = { consumer: c, assignment: [], records: [], joins: 0 }
    c.on(c.events.GROUP_JOIN, e => {
      m.assignment = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
      m.joins++
    })
    members[name] = m
    step = `${name}.connect`
    await c.connect()
    await c.subscribe({ topics: [topic], fromBeginning: true })
    await c.run({ eachMessage: async payload => void m.records.push(record(name, payload)) })
  }
  const A = members.A
  const B = members.B
  const split = () => {
    const u = [...A.assignment, ...B.assignment].sort((a, b) => a - b)
    return A.assignment.length > 0 && B.assignment.length > 0 && JSON.stringify(u) === JSON.stringify(all)
  }
  await waitFor('both members assigned, every partition once', split)
  const d1 = ks('group', 'describe', groupId, '-o', 'json')
  emit({ phase: 'joined', A: A.assignment, B: B.assignment, ks_members: d1.members.length, ks_state: d1.state })
  if (d1.members.length !== 2) die(`ks group describe shows ${d1.members.length} members with two joined: ${JSON.stringify(d1)}`)

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const batch = (from, n) => [...Array(n).keys()].map(i => ({ key: `key-${from + i}`, value: `value-${from + i}` }))
  step = 'produce batch 1'
  await producer.send({ topic, acks: -1, messages: batch(0, 200) })
  const values = () => [...A.records, ...B.records].map(r => Buffer.from(r.value.hex, 'hex').toString())
  await waitFor('batch 1 read by the two members', () => values().length >= 200)
  await sleep(300)
  const v1 = values()
  if (v1.length !== 200 || new Set(v1).size !== 200) die(`batch 1: read ${v1.length} records, ${new Set(v1).size} distinct`)
  if (A.records.length === 0 || B.records.length === 0) die(`batch 1: A read ${A.records.length}, B read ${B.records.length}: not shared`)
  emit({ phase: 'batch1', A: A.records.length, B: B.records.length })

  step = 'B.disconnect'
  const joinsBefore = A.joins
  await B.consumer.disconnect()
  await waitFor('A rejoined with every partition after B left', () => A.joins > joinsBefore && JSON.stringify(A.assignment) === JSON.stringify(all))
  await waitFor('ks group describe shows one member', () => ks('group', 'describe', groupId, '-o', 'json').members.length === 1, 10000)
  emit({ phase: 'left', A: A.assignment })

  const before = A.records.length
  step = 'produce batch 2'
  await producer.send({ topic, acks: -1, messages: batch(200, 200) })
  const fromA = () => A.records.slice(before).map(r => Buffer.from(r.value.hex, 'hex').toString()).filter(v => Number(v.slice(6)) >= 200)
  await waitFor('batch 2 read by A', () => fromA().length >= 200)
  await sleep(300)
  const v2 = fromA()
  if (v2.length !== 200 || new Set(v2).size !== 200) die(`batch 2: A read ${v2.length} records, ${new Set(v2).size} distinct`)
  const parts2 = new Set(A.records.slice(before).map(r => r.partition))
  emit({ phase: 'batch2', A: v2.length, partitions: [...parts2].sort() })
  await producer.disconnect()
  step = 'A.disconnect'
  await A.consumer.disconnect()
  for (const r of [...A.records, ...B.records]) emit(r)
}

async function admin(op, args) {
  const a = kafka.admin()
  step = 'admin.connect'
  await a.connect()
  step = `admin ${op}`
  switch (op) {
    case 'create':
      emit({ created: await a.createTopics({ topics: [{ topic: args[0], numPartitions: Number(args[1]) }], timeout: 10000 }) })
      break
    case 'delete':
      await a.deleteTopics({ topics: args, timeout: 10000 })
      emit({ deleted: args })
      break
    case 'list':
      emit({ topics: (await a.listTopics()).sort() })
      break
    case 'topic-offsets':
      emit({ offsets: (await a.fetchTopicOffsets(args[0])).map(p => ({ partition: p.partition, low: Number(p.low), high: Number(p.high), offset: Number(p.offset) })).sort((x, y) => x.partition - y.partition) })
      break
    case 'topic-offsets-by-time':
      emit({ offsets: (await a.fetchTopicOffsetsByTimestamp(args[0], Number(args[1]))).map(p => ({ partition: p.partition, offset: Number(p.offset) })).sort((x, y) => x.partition - y.partition) })
      break
    case 'group-offsets': {
      const res = await a.fetchOffsets({ groupId: args[0], topics: [args[1]] })
      emit({ offsets: res[0].partitions.map(p => ({ partition: p.partition, offset: Number(p.offset) })).sort((x, y) => x.partition - y.partition) })
      break
    }
    case 'groups':
      emit({ groups: (await a.listGroups()).groups.map(g => g.groupId).sort() })
      break
    case 'describe-group': {
      const g = (await a.describeGroups([args[0]])).groups[0]
      emit({ groupId: g.groupId, state: g.state, protocolType: g.protocolType, members: g.members.length })
      break
    }
    default:
      die(`unknown admin op ${op}`)
  }
  await a.disconnect()
}

async function main() {
  const [cmd, ...rest] = argv
  if (cmd === 'produce') await produce(rest[0])
  else if (cmd === 'consume') await consume(rest[0])
  else if (cmd === 'rebalance') await rebalance(...rest)
  else if (cmd === 'admin') await admin(rest[0], rest.slice(1))
  else die(`unknown command ${cmd}`)
}

main().then(
  () => process.exit(0),
  e => die(`${e.name || 'Error'} at step "${step}": ${e.message}${e.type ? ` (${e.type})` : ''}`)
)
