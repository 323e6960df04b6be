// confluent-kafka-go v2 (cgo, its bundled librdkafka) with its default
// settings in the scenarios of tests/kafka/clients/README.md. group.id and
// auto.offset.reset=earliest are set where the scenario needs them.
package main

import (
	"context"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	c "ks/tests/kafka/clients/go/common"
)

func record(m *kafka.Message) c.Record {
	out := c.Record{Partition: m.TopicPartition.Partition, Offset: int64(m.TopicPartition.Offset),
		Timestamp: m.Timestamp.UnixMilli(), Key: c.Str(m.Key), Value: c.Str(m.Value), Headers: []c.Header{}}
	for _, h := range m.Headers {
		out.Headers = append(out.Headers, c.Header{Key: h.Key, Value: c.Str(h.Value)})
	}
	return out
}

func produce(topic string, n int) {
	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": c.Broker})
	c.Check(err, "NewProducer")
	defer p.Close()
	dr := make(chan kafka.Event, n)
	for i := 0; i < n; i++ {
		key, value, hs := c.Spec(i)
		m := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value: []byte(value), Opaque: i}
		if key != nil {
			m.Key = []byte(*key)
		}
		for _, h := range hs {
			m.Headers = append(m.Headers, kafka.Header{Key: h[0], Value: []byte(h[1])})
		}
		c.Check(p.Produce(m, dr), "Produce")
	}
	for i := 0; i < n; i++ {
		m := (<-dr).(*kafka.Message)
		c.Check(m.TopicPartition.Error, "delivery")
		c.Emit(map[string]any{"i": m.Opaque, "partition": m.TopicPartition.Partition, "offset": m.TopicPartition.Offset})
	}
}

func consumer(group string, extra kafka.ConfigMap) *kafka.Consumer {
	conf := kafka.ConfigMap{"bootstrap.servers": c.Broker, "group.id": group, "auto.offset.reset": "earliest"}
	for k, v := range extra {
		conf[k] = v
	}
	cons, err := kafka.NewConsumer(&conf)
	c.Check(err, "NewConsumer")
	return cons
}

// consume reads n records from the start (group: needed by the library;
// commit: commits what was read, auto-commit off, before closing).
func consume(topic, group string, n int, commit bool) {
	extra := kafka.ConfigMap{}
	if commit {
		extra["enable.auto.commit"] = false
	}
	cons := consumer(group, extra)
	c.Check(cons.Subscribe(topic, nil), "Subscribe")
	for read := 0; read < n; {
		m, err := cons.ReadMessage(time.Second)
		if err != nil && err.(kafka.Error).IsTimeout() {
			continue
		}
		c.Check(err, "ReadMessage")
		c.Emit(record(m))
		read++
		if commit {
			_, err := cons.CommitMessage(m)
			c.Check(err, "CommitMessage")
		}
	}
	c.Check(cons.Close(), "Close")
}

func partsOf(tps []kafka.TopicPartition) (ps []int32) {
	for _, tp := range tps {
		ps = append(ps, tp.Partition)
	}
	return ps
}

func groupScenario(topic, group string, parts int) {
	g := c.NewGroup()
	stopping := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	done := map[string]chan struct{}{}
	start := func(m string) {
		cons := consumer(group, nil)
		ctx, cancel := context.WithCancel(context.Background())
		stopping[m], done[m] = cancel, make(chan struct{})
		c.Check(cons.Subscribe(topic, func(cn *kafka.Consumer, ev kafka.Event) error {
			switch e := ev.(type) {
			case kafka.AssignedPartitions:
				g.Assigned(m, partsOf(e.Partitions))
				return cn.Assign(e.Partitions)
			case kafka.RevokedPartitions:
				g.Revoked(m, partsOf(e.Partitions))
				return cn.Unassign()
			}
			return nil
		}), "Subscribe")
		wg.Add(1)
		go func() {
			defer close(done[m])
			for ctx.Err() == nil {
				switch e := cons.Poll(100).(type) {
				case *kafka.Message:
					g.Read(m, e.TopicPartition.Partition, int64(e.TopicPartition.Offset), string(e.Value))
				case kafka.Error:
					c.Die("member %s: %v", m, e)
				}
			}
			c.Check(cons.Close(), "Close")
		}()
	}
	stop := func(m string) { stopping[m](); <-done[m] }
	g.Run(topic, parts, start, stop)
}

func main() {
	c.Init()
	a := c.Args
	switch a[0] {
	case "produce":
		produce(a[1], c.Int(a[2]))
	case "consume":
		consume(a[1], a[1]+"-g", c.Int(a[2]), false)
	case "commit":
		consume(a[1], a[2], c.Int(a[3]), true)
	case "group":
		groupScenario(a[1], a[2], c.Int(a[3]))
	default:
		admin(a)
	}
}
