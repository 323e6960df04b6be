package main

import (
	"context"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	c "ks/tests/kafka/clients/go/common"
)

// admin runs one admin step with confluent-kafka-go's AdminClient.
func admin(a []string) {
	ctx := context.Background()
	adm, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": c.Broker})
	c.Check(err, "NewAdminClient")
	defer adm.Close()
	t := a[1]
	topicResult := func(rs []kafka.TopicResult, err error, what string) {
		c.Check(err, what)
		if rs[0].Error.Code() != kafka.ErrNoError {
			c.Die("%s %s: %v", what, t, rs[0].Error)
		}
	}
	switch a[0] {
	case "admin-create":
		rs, err := adm.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: t, NumPartitions: c.Int(a[2]),
			ReplicationFactor: -1, Config: map[string]string{"retention.ms": "3600000"}}})
		topicResult(rs, err, "CreateTopics")
		c.Emit(map[string]any{"created": true})
	case "admin-describe":
		md, err := adm.GetMetadata(&t, false, 10000)
		c.Check(err, "GetMetadata")
		if md.Topics[t].Error.Code() != kafka.ErrNoError {
			c.Die("GetMetadata %s: %v", t, md.Topics[t].Error)
		}
		c.Emit(map[string]any{"partitions": len(md.Topics[t].Partitions)})
	case "admin-configs":
		rs, err := adm.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: t}})
		c.Check(err, "DescribeConfigs")
		if rs[0].Error.Code() != kafka.ErrNoError {
			c.Die("DescribeConfigs %s: %v", t, rs[0].Error)
		}
		out := map[string]any{}
		for name, e := range rs[0].Config {
			if name == "retention.ms" || name == "cleanup.policy" {
				out[name] = e.Value
			}
		}
		c.Emit(out)
	case "admin-alter":
		rs, err := adm.IncrementalAlterConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: t,
			Config: []kafka.ConfigEntry{{Name: "retention.ms", Value: "7200000", IncrementalOperation: kafka.AlterConfigOpTypeSet}}}})
		c.Check(err, "IncrementalAlterConfigs")
		if rs[0].Error.Code() != kafka.ErrNoError {
			c.Die("IncrementalAlterConfigs %s: %v", t, rs[0].Error)
		}
		c.Emit(map[string]any{"altered": true})
	case "admin-partitions":
		rs, err := adm.CreatePartitions(ctx, []kafka.PartitionsSpecification{{Topic: t, IncreaseTo: c.Int(a[2])}})
		topicResult(rs, err, "CreatePartitions")
		c.Emit(map[string]any{"partitions": c.Int(a[2])})
	case "admin-delete":
		rs, err := adm.DeleteTopics(ctx, []string{t})
		topicResult(rs, err, "DeleteTopics")
		c.Emit(map[string]any{"deleted": true})
	default:
		c.Die("unknown step %s", a[0])
	}
}
