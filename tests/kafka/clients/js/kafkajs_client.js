#!/usr/bin/env node
// kafkajs (tests/kafka/node_modules, pinned by tests/kafka/package-lock.json)
// with its default settings in the scenarios of tests/kafka/clients/README.md;
// groupId and fromBeginning where the scenario needs them. Mirrors
// go/common/common.go for the output lines and the group phases.
'use strict'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const path = require('path')
const { execFileSync } = require('child_process')
const { Kafka, logLevel, ConfigResourceTypes } = require(path.join(__dirname, '..', '..', 'node_modules', 'kafkajs'))

const argv = process.argv.slice(2)
if (argv.length < 3 || argv[0] !== '--broker') die('usage: kafkajs_client.js --broker HOST:PORT SCENARIO ARGS...')
const [, broker, ...a] = argv
const kafka = new Kafka({ brokers: [broker], logLevel: logLevel.ERROR })
const scale = Number(process.env.KS_IT_TIMEOUT_SCALE || 1) // a sanitizer build is slower
setTimeout(() => die(`timed out after ${90 * scale} s`), 90000 * scale).unref()

function emit(obj) { process.stdout.write(JSON.stringify(obj) + '\n') }
function die(msg) { process.stderr.write(`kafkajs_client: ${msg}\n`); process.exit(1) }
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
async function waitFor(what, cond) {
  const end = Date.now() + 40000 * scale
  while (!cond()) {
    if (Date.now() > end) die(`gave up waiting for ${what}`)
    await sleep(50)
  }
}

function spec(i) {
  return { key: i % 10 === 9 ? null : `k${i % 7}`, value: `v${i} \u00fc`, headers: [['i', String(i)], ['h2', 'x']] }
}
const str = b => (b === null || b === undefined ? null : b.toString())

function record({ partition, message }) {
  return {
    partition, offset: Number(message.offset), timestamp: Number(message.timestamp),
    key: str(message.key), value: str(message.value),
    headers: Object.entries(message.headers || {}).map(([key, v]) => ({ key, value: str(v) })),
  }
}

// One send per record, so that each result says where that record went.
async function produce(topic, n) {
  const p = kafka.producer()
  await p.connect()
  for (let i = 0; i < n; i++) {
    const { key, value, headers } = spec(i)
    const [r] = await p.send({ topic, messages: [{ key, value, headers: Object.fromEntries(headers) }] })
    emit({ i, partition: r.partition, offset: Number(r.baseOffset) })
  }
  await p.disconnect()
}

// Reads n records from the beginning; commit: auto-commit off, commits
// exactly the records printed, then leaves.
async function consume(topic, groupId, n, commit) {
  const c = kafka.consumer({ groupId })
  await c.connect()
  await c.subscribe({ topics: [topic], fromBeginning: true })
  let read = 0
  const offsets = {}
  await c.run({
    autoCommit: !commit,
    eachMessage: async payload => {
      if (read >= n) return
      emit(record(payload))
      read++
      offsets[payload.partition] = Number(payload.message.offset) + 1
    },
  })
  await waitFor(`${n} records`, () => read >= n)
  if (commit) {
    await c.commitOffsets(Object.entries(offsets).map(([partition, offset]) => ({ topic, partition: Number(partition), offset: String(offset) })))
  }
  await c.disconnect()
}

function feed(topic, values) {
  execFileSync(process.env.CLIENTS_FEED, [topic, '-K:'], { input: values.map((v, i) => `g${i}:${v}\n`).join('') })
}

// The group scenario (see README.md). kafkajs's protocol is eager: a
// member gives up everything when a rebalance starts (REBALANCING) and gets
// its new assignment when it joined (GROUP_JOIN).
async function group(topic, groupId, parts) {
  const owned = { a: new Set(), b: new Set() }
  const read = new Set()
  const members = {}
  const revokeAll = m => {
    if (owned[m].size) emit({ ev: 'revoked', m, parts: [...owned[m]].sort() })
    owned[m].clear()
  }
  async function start(m) {
    const c = (members[m] = kafka.consumer({ groupId }))
    c.on(c.events.REBALANCING, () => revokeAll(m))
    c.on(c.events.GROUP_JOIN, e => {
      revokeAll(m)
      const ps = (e.payload.memberAssignment[topic] || []).slice().sort((x, y) => x - y)
      ps.forEach(p => owned[m].add(p))
      emit({ ev: 'assigned', m, parts: ps })
    })
    await c.connect()
    await c.subscribe({ topics: [topic], fromBeginning: true })
    await c.run({
      eachMessage: async ({ partition, message }) => {
        read.add(message.value.toString())
        emit({ ev: 'rec', m, partition, offset: Number(message.offset), value: message.value.toString() })
      },
    })
  }
  async function stop(m) {
    await members[m].disconnect()
    revokeAll(m)
  }
  const owns = (na, nb) => () => na < 0
    ? owned.a.size > 0 && owned.b.size > 0 && owned.a.size + owned.b.size === parts
    : owned.a.size === na && owned.b.size === nb
  async function phase(n, na, nb, what) {
    await waitFor(what, owns(na, nb))
    const values = [...Array(30).keys()].map(i => `phase${n}-${i}`)
    emit({ ev: 'phase', n, values })
    feed(topic, values)
    await waitFor(`the records of phase ${n}`, () => values.every(v => read.has(v)))
  }
  await start('a')
  await phase(1, parts, 0, 'a to own every partition')
  await start('b')
  await phase(2, -1, -1, 'a and b to share the partitions')
  await stop('b')
  await phase(3, parts, 0, 'a to own every partition after b left')
  await stop('a')
}

async function admin(step, t, rest) {
  const adm = kafka.admin()
  await adm.connect()
  const topicRes = { type: ConfigResourceTypes.TOPIC, name: t }
  switch (step) {
    case 'admin-create':
      if (!(await adm.createTopics({ topics: [{ topic: t, numPartitions: Number(rest[0]), configEntries: [{ name: 'retention.ms', value: '3600000' }] }] }))) die('createTopics: not created')
      emit({ created: true })
      break
    case 'admin-describe': {
      const md = await adm.fetchTopicMetadata({ topics: [t] })
      emit({ partitions: md.topics[0].partitions.length })
      break
    }
    case 'admin-configs': {
      const r = await adm.describeConfigs({ resources: [topicRes], includeSynonyms: false })
      const out = {}
      for (const e of r.resources[0].configEntries) if (e.configName === 'retention.ms' || e.configName === 'cleanup.policy') out[e.configName] = e.configValue
      emit(out)
      break
    }
    case 'admin-alter':
      // kafkajs has AlterConfigs only (not incremental): the whole set is
      // replaced, which is what Kafka's AlterConfigs means.
      await adm.alterConfigs({ resources: [{ ...topicRes, configEntries: [{ name: 'retention.ms', value: '7200000' }] }] })
      emit({ altered: true })
      break
    case 'admin-partitions':
      await adm.createPartitions({ topicPartitions: [{ topic: t, count: Number(rest[0]) }] })
      emit({ partitions: Number(rest[0]) })
      break
    case 'admin-delete':
      await adm.deleteTopics({ topics: [t] })
      emit({ deleted: true })
      break
    default:
      die(`unknown step ${step}`)
  }
  await adm.disconnect()
}

async function main() {
  const [scenario, ...r] = a
  if (scenario === 'produce') await produce(r[0], Number(r[1]))
  else if (scenario === 'consume') await consume(r[0], r[0] + '-g', Number(r[1]), false)
  else if (scenario === 'commit') await consume(r[0], r[1], Number(r[2]), true)
  else if (scenario === 'group') await group(r[0], r[1], Number(r[2]))
  else await admin(scenario, r[0], r.slice(1))
}

main().then(() => process.exit(0), e => die(`${a[0]}: ${e.name || 'Error'}: ${e.message}${e.type ? ` (${e.type})` : ''}`))
