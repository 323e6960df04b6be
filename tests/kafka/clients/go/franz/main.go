// franz-go (kgo and kadm) with its default settings in the scenarios of
// tests/kafka/clients/README.md.
package main

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	c "ks/tests/kafka/clients/go/common"
)

var ctx = context.Background()

func client(opts ...kgo.Opt) *kgo.Client {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Broker)}, opts...)...)
	c.Check(err, "kgo.NewClient")
	return cl
}

func record(r *kgo.Record) c.Record {
	out := c.Record{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli(),
		Key: c.Str(r.Key), Value: c.Str(r.Value), Headers: []c.Header{}}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, c.Header{Key: h.Key, Value: c.Str(h.Value)})
	}
	return out
}

func produce(topic string, n int) {
	cl := client()
	defer cl.Close()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		key, value, hs := c.Spec(i)
		r := &kgo.Record{Topic: topic, Value: []byte(value)}
		if key != nil {
			r.Key = []byte(*key)
		}
		for _, h := range hs {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
		}
		i := i
		wg.Add(1)
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			defer wg.Done()
			c.Check(err, "produce")
			c.Emit(map[string]any{"i": i, "partition": r.Partition, "offset": r.Offset})
		})
	}
	wg.Wait()
}

// consume reads n records from the start of every partition; group "" reads
// without a group; commit commits exactly the records printed (auto-commit
// off) before leaving the group.
func consume(topic, group string, n int, commit bool) {
	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if group != "" {
		opts = append(opts, kgo.ConsumerGroup(group), kgo.DisableAutoCommit())
	}
	cl := client(opts...)
	defer cl.Close()
	var read []*kgo.Record
	for len(read) < n {
		fs := cl.PollFetches(ctx)
		for _, e := range fs.Errors() {
			c.Die("fetch %s/%d: %v", e.Topic, e.Partition, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if len(read) < n {
				c.Emit(record(r))
				read = append(read, r)
			}
		})
	}
	if commit {
		c.Check(cl.CommitRecords(ctx, read...), "CommitRecords")
		cl.LeaveGroup()
	}
}

func groupScenario(topic, group string, parts int) {
	g := c.NewGroup()
	members := map[string]*kgo.Client{}
	done := map[string]chan struct{}{}
	ids := func(m map[string][]int32) []int32 { return m[topic] }
	start := func(m string) {
		cl := client(kgo.ConsumeTopics(topic), kgo.ConsumerGroup(group),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { g.Assigned(m, ids(a)) }),
			kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { g.Revoked(m, ids(a)) }),
			kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { g.Revoked(m, ids(a)) }))
		members[m], done[m] = cl, make(chan struct{})
		go func() {
			defer close(done[m])
			for {
				fs := cl.PollFetches(ctx)
				if fs.IsClientClosed() {
					return
				}
				fs.EachRecord(func(r *kgo.Record) { g.Read(m, r.Partition, r.Offset, string(r.Value)) })
			}
		}()
	}
	stop := func(m string) { members[m].Close(); <-done[m] }
	g.Run(topic, parts, start, stop)
}

func admin(a []string) {
	cl := client()
	defer cl.Close()
	adm := kadm.NewClient(cl)
	t := a[1]
	switch a[0] {
	case "admin-create":
		v := "3600000"
		r, err := adm.CreateTopic(ctx, int32(c.Int(a[2])), -1, map[string]*string{"retention.ms": &v}, t)
		c.Check(err, "CreateTopic")
		c.Check(r.Err, "CreateTopic "+t)
		c.Emit(map[string]any{"created": true})
	case "admin-describe":
		d, err := adm.ListTopics(ctx, t)
		c.Check(err, "ListTopics")
		c.Check(d[t].Err, "ListTopics "+t)
		c.Emit(map[string]any{"partitions": len(d[t].Partitions)})
	case "admin-configs":
		rc, err := adm.DescribeTopicConfigs(ctx, t)
		c.Check(err, "DescribeTopicConfigs")
		r, err := rc.On(t, nil)
		c.Check(err, "DescribeTopicConfigs "+t)
		c.Check(r.Err, "DescribeTopicConfigs "+t)
		out := map[string]any{}
		for _, e := range r.Configs {
			if e.Key == "retention.ms" || e.Key == "cleanup.policy" {
				out[e.Key] = e.MaybeValue()
			}
		}
		c.Emit(out)
	case "admin-alter":
		v := "7200000"
		rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: &v}}, t)
		c.Check(err, "AlterTopicConfigs")
		r, err := rs.On(t, nil)
		c.Check(err, "AlterTopicConfigs "+t)
		c.Check(r.Err, "AlterTopicConfigs "+t)
		c.Emit(map[string]any{"altered": true})
	case "admin-partitions":
		rs, err := adm.UpdatePartitions(ctx, c.Int(a[2]), t)
		c.Check(err, "UpdatePartitions")
		c.Check(rs[t].Err, "UpdatePartitions "+t)
		c.Emit(map[string]any{"partitions": c.Int(a[2])})
	case "admin-delete":
		r, err := adm.DeleteTopic(ctx, t)
		c.Check(err, "DeleteTopic")
		c.Check(r.Err, "DeleteTopic "+t)
		c.Emit(map[string]any{"deleted": true})
	default:
		c.Die("unknown admin step %s", a[0])
	}
}

func main() {
	c.Init()
	a := c.Args
	switch a[0] {
	case "produce":
		produce(a[1], c.Int(a[2]))
	case "consume":
		consume(a[1], "", c.Int(a[2]), false)
	case "commit":
		consume(a[1], a[2], c.Int(a[3]), true)
	case "group":
		groupScenario(a[1], a[2], c.Int(a[3]))
	default:
		admin(a)
	}
}
