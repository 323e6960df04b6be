// segmentio/kafka-go with its default settings (a Writer, Readers, the
// ConsumerGroup and Client APIs) in the scenarios of
// tests/kafka/clients/README.md. Its default Writer sends with acks=0 and
// reports no offsets, so produce prints only which records were written.
package main

import (
	"context"
	"sync"

	kafka "github.com/segmentio/kafka-go"

	c "ks/tests/kafka/clients/go/common"
)

var ctx = context.Background()

func record(m kafka.Message) c.Record {
	out := c.Record{Partition: int32(m.Partition), Offset: m.Offset, Timestamp: m.Time.UnixMilli(),
		Key: c.Str(m.Key), Value: c.Str(m.Value), Headers: []c.Header{}}
	for _, h := range m.Headers {
		// kafka-go reads an empty header value as nil and has no null ones:
		// it cannot tell them apart, so "" is what it means.
		v := string(h.Value)
		out.Headers = append(out.Headers, c.Header{Key: h.Key, Value: &v})
	}
	return out
}

func produce(topic string, n int) {
	w := &kafka.Writer{Addr: kafka.TCP(c.Broker), Topic: topic}
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		key, value, hs := c.Spec(i)
		m := kafka.Message{Value: []byte(value)}
		if key != nil {
			m.Key = []byte(*key)
		}
		for _, h := range hs {
			m.Headers = append(m.Headers, kafka.Header{Key: h[0], Value: []byte(h[1])})
		}
		msgs = append(msgs, m)
	}
	c.Check(w.WriteMessages(ctx, msgs...), "WriteMessages")
	c.Check(w.Close(), "Writer.Close")
	for i := range msgs {
		c.Emit(map[string]any{"i": i})
	}
}

func partitions(topic string) []kafka.Partition {
	conn, err := kafka.Dial("tcp", c.Broker)
	c.Check(err, "Dial")
	defer conn.Close()
	ps, err := conn.ReadPartitions(topic)
	c.Check(err, "ReadPartitions")
	return ps
}

// readPartition sends the records of one partition from offset to out
// until ctx ends.
func readPartition(ctx context.Context, topic string, p int, offset int64, out func(kafka.Message)) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{c.Broker}, Topic: topic, Partition: p})
	defer r.Close()
	c.Check(r.SetOffset(offset), "SetOffset")
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.Die("partition %d: %v", p, err)
			}
			return
		}
		out(m)
	}
}

func consume(topic string, n int) {
	recs := make(chan kafka.Message)
	for _, p := range partitions(topic) {
		go readPartition(ctx, topic, p.ID, kafka.FirstOffset, func(m kafka.Message) { recs <- m })
	}
	for i := 0; i < n; i++ {
		c.Emit(record(<-recs))
	}
}

// commit reads n records as a member of group, committing each.
func commit(topic, group string, n int) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{c.Broker}, Topic: topic, GroupID: group, StartOffset: kafka.FirstOffset})
	for i := 0; i < n; i++ {
		m, err := r.FetchMessage(ctx)
		c.Check(err, "FetchMessage")
		c.Emit(record(m))
		c.Check(r.CommitMessages(ctx, m), "CommitMessages")
	}
	c.Check(r.Close(), "Reader.Close")
}

// member runs one ConsumerGroup: each generation reads its partitions
// (committing as it goes) until the generation ends.
func member(g *c.Group, m string, cg *kafka.ConsumerGroup, topic string, done chan struct{}) {
	defer close(done)
	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			return // closed
		}
		var ps []int32
		for _, a := range gen.Assignments[topic] {
			ps = append(ps, int32(a.ID))
		}
		g.Assigned(m, ps)
		gen.Start(func(ctx context.Context) {
			var wg sync.WaitGroup
			for _, a := range gen.Assignments[topic] {
				a := a
				wg.Add(1)
				go func() {
					defer wg.Done()
					readPartition(ctx, topic, a.ID, a.Offset, func(msg kafka.Message) {
						g.Read(m, int32(msg.Partition), msg.Offset, string(msg.Value))
						gen.CommitOffsets(map[string]map[int]int64{topic: {a.ID: msg.Offset + 1}})
					})
				}()
			}
			wg.Wait()
			g.Revoked(m, ps)
		})
	}
}

func groupScenario(topic, group string, parts int) {
	g := c.NewGroup()
	members := map[string]*kafka.ConsumerGroup{}
	done := map[string]chan struct{}{}
	start := func(m string) {
		cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: group, Brokers: []string{c.Broker},
			Topics: []string{topic}, StartOffset: kafka.FirstOffset})
		c.Check(err, "NewConsumerGroup")
		members[m], done[m] = cg, make(chan struct{})
		go member(g, m, cg, topic, done[m])
	}
	stop := func(m string) { members[m].Close(); <-done[m] }
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
