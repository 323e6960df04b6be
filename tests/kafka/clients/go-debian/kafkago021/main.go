// Debian's segmentio kafka-go 0.2.1 (golang-github-segmentio-kafka-go-dev)
// with its default settings: Produce v2 with magic 1 messages, Fetch v2,
// ListOffsets v1, Metadata v1, JoinGroup v1, SyncGroup v0, OffsetCommit v2,
// OffsetFetch v1.
//
//	kafkago021 -broker B produce TOPIC N       a Writer; one JSON line per message written
//	kafkago021 -broker B consume TOPIC P N     a Reader of partition P: its first N messages
//	kafkago021 -broker B group TOPIC GROUP N   a group Reader (commits as it reads) until N
//	                                           messages came to it or -idle passed without one
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
	"time"

	kafka "github.com/segmentio/kafka-go"
)

var (
	broker = flag.String("broker", "127.0.0.1:9092", "bootstrap broker")
	idle   = flag.Duration("idle", 10*time.Second, "group: stop after this long without a message")
	out    = json.NewEncoder(os.Stdout)
)

type line struct {
	Partition int     `json:"partition"`
	Offset    int64   `json:"offset"`
	Key       *string `json:"key,omitempty"`
	Value     string  `json:"value"`
	Time      int64   `json:"time_ms,omitempty"`
	Member    string  `json:"member,omitempty"`
}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kafkago021: "+format+"\n", args...)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		die("not a number: %q", s)
	}
	return n
}

func keyOf(k []byte) *string {
	if k == nil {
		return nil
	}
	s := string(k)
	return &s
}

func produce(topic string, n int) {
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{*broker}, Topic: topic})
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i].Value = []byte(fmt.Sprintf("kafka-go value %d", i))
		if i%4 != 0 {
			msgs[i].Key = []byte(fmt.Sprintf("key-%d", i%5))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		die("write: %v", err)
	}
	for _, m := range msgs {
		out.Encode(line{Partition: -1, Offset: -1, Key: keyOf(m.Key), Value: string(m.Value)})
	}
}

func read(r *kafka.Reader, n int, member string, wait time.Duration) int {
	got := 0
	for got < n {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		m, err := r.ReadMessage(ctx)
		cancel()
		if err != nil {
			return got
		}
		out.Encode(line{Partition: m.Partition, Offset: m.Offset, Key: keyOf(m.Key), Value: string(m.Value),
			Time: m.Time.UnixNano() / 1e6, Member: member})
		got++
	}
	return got
}

func main() {
	flag.Parse()
	a := flag.Args()
	switch {
	case len(a) == 3 && a[0] == "produce":
		produce(a[1], atoi(a[2]))
	case len(a) == 4 && a[0] == "consume":
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{*broker}, Topic: a[1], Partition: atoi(a[2])})
		n := atoi(a[3])
		if got := read(r, n, "", 15*time.Second); got != n {
			die("read %d of %d messages", got, n)
		}
		r.Close()
	case len(a) == 4 && a[0] == "group":
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{*broker}, Topic: a[1], GroupID: a[2]})
		fmt.Fprintln(os.Stderr, "kafkago021: reading")
		read(r, atoi(a[3]), os.Getenv("MEMBER"), *idle)
		if err := r.Close(); err != nil { // leaves the group
			die("close: %v", err)
		}
	default:
		die("bad arguments %q", a)
	}
}
