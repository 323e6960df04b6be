// Debian's sarama 1.22 (golang-github-shopify-sarama-dev) with its default
// settings, which speak Kafka 0.8.2: Produce v0 with magic 0 messages,
// Fetch v0, Metadata v0, OffsetCommit/OffsetFetch v1. Its ConsumerGroup
// needs Version >= 0.10.2 and is run at that version (Fetch v3, magic 1).
//
//	sarama122 -broker B produce TOPIC N        one JSON line per message acknowledged
//	sarama122 -broker B consume TOPIC N        N messages of all partitions, each from its oldest
//	sarama122 -broker B commit TOPIC GROUP P O commits offset O of partition P (OffsetManager)
//	sarama122 -broker B committed TOPIC GROUP P
//	sarama122 -broker B group TOPIC GROUP N    a ConsumerGroup member until N messages came to it
//	                                           or -idle passed without one; marks every message
//
// Built in GOPATH mode against /usr/share/gocode (build.sh).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

var (
	broker = flag.String("broker", "127.0.0.1:9092", "bootstrap broker")
	idle   = flag.Duration("idle", 10*time.Second, "group: stop after this long without a message")
	out    = json.NewEncoder(os.Stdout)
	mu     sync.Mutex
)

type line struct {
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Key       *string `json:"key,omitempty"`
	Value     string  `json:"value"`
	Member    string  `json:"member,omitempty"`
}

func emit(l line) {
	mu.Lock()
	defer mu.Unlock()
	out.Encode(l)
}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "sarama122: "+format+"\n", args...)
	os.Exit(1)
}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		die("not a number: %q", s)
	}
	return n
}

func produce(topic string, n int) {
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true // a SyncProducer requires it; nothing else changed
	p, err := sarama.NewSyncProducer([]string{*broker}, cfg)
	if err != nil {
		die("producer: %v", err)
	}
	defer p.Close()
	for i := 0; i < n; i++ {
		var key sarama.Encoder
		if i%5 != 0 {
			key = sarama.StringEncoder(fmt.Sprintf("key-%d", i%7))
		}
		value := fmt.Sprintf("sarama value %d", i)
		part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: key, Value: sarama.StringEncoder(value)})
		if err != nil {
			die("send %d: %v", i, err)
		}
		emit(line{Partition: part, Offset: off, Value: value})
	}
}

func keyOf(k []byte) *string {
	if k == nil {
		return nil
	}
	s := string(k)
	return &s
}

func consume(topic string, n int) {
	c, err := sarama.NewConsumer([]string{*broker}, sarama.NewConfig())
	if err != nil {
		die("consumer: %v", err)
	}
	defer c.Close()
	parts, err := c.Partitions(topic)
	if err != nil {
		die("partitions: %v", err)
	}
	msgs := make(chan *sarama.ConsumerMessage)
	for _, p := range parts {
		pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			die("consume %d: %v", p, err)
		}
		defer pc.Close()
		go func(p int32) {
			for e := range pc.Errors() {
				die("partition %d: %v", p, e)
			}
		}(p)
		go func() {
			for m := range pc.Messages() {
				msgs <- m
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case m := <-msgs:
			emit(line{Partition: m.Partition, Offset: m.Offset, Key: keyOf(m.Key), Value: string(m.Value)})
		case <-time.After(15 * time.Second):
			die("only %d of %d messages in 15 s", i, n)
		}
	}
}

func offsets(topic, group string, p int32, commit int64) {
	client, err := sarama.NewClient([]string{*broker}, sarama.NewConfig())
	if err != nil {
		die("client: %v", err)
	}
	defer client.Close()
	om, err := sarama.NewOffsetManagerFromClient(group, client)
	if err != nil {
		die("offset manager: %v", err)
	}
	pom, err := om.ManagePartition(topic, p)
	if err != nil {
		die("manage: %v", err)
	}
	if commit >= 0 {
		pom.MarkOffset(commit, "")
	} else {
		next, _ := pom.NextOffset()
		fmt.Println(next)
	}
	pom.Close()
	om.Close() // flushes the marked offset
	for e := range pom.Errors() {
		die("offset manager: %v", e)
	}
}

type handler struct {
	member string
	got    chan struct{}
}

func (handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		emit(line{Partition: m.Partition, Offset: m.Offset, Key: keyOf(m.Key), Value: string(m.Value), Member: h.member})
		s.MarkMessage(m, "")
		h.got <- struct{}{}
	}
	return nil
}

func group(topic, groupID string, n int) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_10_2_0 // the first version sarama 1.22 has ConsumerGroup for
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	g, err := sarama.NewConsumerGroup([]string{*broker}, groupID, cfg)
	if err != nil {
		die("group: %v", err)
	}
	member := os.Getenv("MEMBER")
	h := handler{member: member, got: make(chan struct{}, 1024)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "sarama122: consume: %v\n", err)
				time.Sleep(time.Second)
			}
		}
	}()
	go func() {
		for e := range g.Errors() {
			fmt.Fprintf(os.Stderr, "sarama122: group error: %v\n", e)
		}
	}()
	fmt.Fprintln(os.Stderr, "sarama122: joined")
	for count := 0; count < n; count++ {
		select {
		case <-h.got:
		case <-time.After(*idle):
			count = n
		}
	}
	cancel()
	<-done
	if err := g.Close(); err != nil { // commits what was marked, leaves the group
		die("close: %v", err)
	}
}

func main() {
	flag.Parse()
	a := flag.Args()
	if len(a) < 1 {
		die("usage: produce|consume|commit|committed|group ...")
	}
	switch {
	case a[0] == "produce" && len(a) == 3:
		produce(a[1], int(atoi(a[2])))
	case a[0] == "consume" && len(a) == 3:
		consume(a[1], int(atoi(a[2])))
	case a[0] == "commit" && len(a) == 5:
		offsets(a[1], a[2], int32(atoi(a[3])), atoi(a[4]))
	case a[0] == "committed" && len(a) == 4:
		offsets(a[1], a[2], int32(atoi(a[3])), -1)
	case a[0] == "group" && len(a) == 4:
		group(a[1], a[2], int(atoi(a[3])))
	default:
		die("bad arguments %q", a)
	}
}
