// IBM/sarama with its default settings (Config as NewConfig gives it) in
// the scenarios of tests/kafka/clients/README.md. Return.Successes is set
// where the scenario needs the offsets the producer was given.
package main

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/IBM/sarama"

	c "ks/tests/kafka/clients/go/common"
)

func cfg() *sarama.Config { return sarama.NewConfig() }

func record(m *sarama.ConsumerMessage) c.Record {
	out := c.Record{Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp.UnixMilli(),
		Key: c.Str(m.Key), Value: c.Str(m.Value), Headers: []c.Header{}}
	for _, h := range m.Headers {
		out.Headers = append(out.Headers, c.Header{Key: string(h.Key), Value: c.Str(h.Value)})
	}
	return out
}

func produce(topic string, n int) {
	conf := cfg()
	conf.Producer.Return.Successes = true // SyncProducer needs it
	p, err := sarama.NewSyncProducer([]string{c.Broker}, conf)
	c.Check(err, "NewSyncProducer")
	defer p.Close()
	var msgs []*sarama.ProducerMessage
	for i := 0; i < n; i++ {
		key, value, hs := c.Spec(i)
		m := &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(value), Metadata: i}
		if key != nil {
			m.Key = sarama.StringEncoder(*key)
		}
		for _, h := range hs {
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: []byte(h[1])})
		}
		msgs = append(msgs, m)
	}
	c.Check(p.SendMessages(msgs), "SendMessages")
	for _, m := range msgs {
		c.Emit(map[string]any{"i": m.Metadata, "partition": m.Partition, "offset": m.Offset})
	}
}

// consume reads n records from the oldest offset of every partition.
func consume(topic string, n int) {
	cons, err := sarama.NewConsumer([]string{c.Broker}, cfg())
	c.Check(err, "NewConsumer")
	defer cons.Close()
	parts, err := cons.Partitions(topic)
	c.Check(err, "Partitions")
	recs := make(chan *sarama.ConsumerMessage)
	for _, p := range parts {
		pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
		c.Check(err, "ConsumePartition")
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				recs <- m
			}
		}()
	}
	for i := 0; i < n; i++ {
		c.Emit(record(<-recs))
	}
}

// handler is a sarama.ConsumerGroupHandler reporting to the callbacks.
type handler struct {
	setup, cleanup func(sarama.ConsumerGroupSession)
	msg            func(sarama.ConsumerGroupSession, *sarama.ConsumerMessage)
}

func (h handler) Setup(s sarama.ConsumerGroupSession) error   { h.setup(s); return nil }
func (h handler) Cleanup(s sarama.ConsumerGroupSession) error { h.cleanup(s); return nil }
func (h handler) ConsumeClaim(s sarama.ConsumerGroupSession, cl sarama.ConsumerGroupClaim) error {
	for m := range cl.Messages() {
		h.msg(s, m)
	}
	return nil
}

func nothing(sarama.ConsumerGroupSession) {}

// commit reads at least n records as a member of group from the oldest
// offsets, commits what it read (auto-commit off) and leaves.
func commit(topic, group string, n int) {
	conf := cfg()
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	conf.Consumer.Offsets.AutoCommit.Enable = false
	cg, err := sarama.NewConsumerGroup([]string{c.Broker}, group, conf)
	c.Check(err, "NewConsumerGroup")
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	read := 0
	h := handler{setup: nothing, cleanup: func(s sarama.ConsumerGroupSession) { s.Commit() },
		msg: func(s sarama.ConsumerGroupSession, m *sarama.ConsumerMessage) {
			mu.Lock()
			defer mu.Unlock()
			if read >= n {
				return
			}
			c.Emit(record(m))
			s.MarkMessage(m, "")
			if read++; read == n {
				s.Commit()
				cancel()
			}
		}}
	for ctx.Err() == nil {
		c.Check(cg.Consume(ctx, []string{topic}, h), "Consume")
	}
	c.Check(cg.Close(), "Close")
}

func groupScenario(topic, group string, parts int) {
	g := c.NewGroup()
	members := map[string]sarama.ConsumerGroup{}
	done := map[string]chan struct{}{}
	start := func(m string) {
		conf := cfg()
		conf.Consumer.Offsets.Initial = sarama.OffsetOldest
		cg, err := sarama.NewConsumerGroup([]string{c.Broker}, group, conf)
		c.Check(err, "NewConsumerGroup")
		members[m], done[m] = cg, make(chan struct{})
		h := handler{
			setup:   func(s sarama.ConsumerGroupSession) { g.Assigned(m, s.Claims()[topic]) },
			cleanup: func(s sarama.ConsumerGroupSession) { g.Revoked(m, s.Claims()[topic]) },
			msg: func(s sarama.ConsumerGroupSession, msg *sarama.ConsumerMessage) {
				g.Read(m, msg.Partition, msg.Offset, string(msg.Value))
				s.MarkMessage(msg, "")
			}}
		var closed atomic.Bool
		go func() {
			defer close(done[m])
			for !closed.Load() {
				if err := cg.Consume(context.Background(), []string{topic}, h); err == sarama.ErrClosedConsumerGroup {
					return
				} else if err != nil {
					c.Die("member %s: %v", m, err)
				}
			}
		}()
	}
	stop := func(m string) { c.Check(members[m].Close(), "Close"); <-done[m] }
	g.Run(topic, parts, start, stop)
}

func main() {
	c.Init()
	a := c.Args
	switch a[0] {
	case "produce":
		produce(a[1], c.Int(a[2]))
	case "consume":
		consume(a[1], c.Int(a[2]))
	case "commit":
		commit(a[1], a[2], c.Int(a[3]))
	case "group":
		groupScenario(a[1], a[2], c.Int(a[3]))
	default:
		admin(a)
	}
}
