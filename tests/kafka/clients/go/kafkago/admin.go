package main

import (
	"context"

	kafka "github.com/segmentio/kafka-go"

	c "ks/tests/kafka/clients/go/common"
)

// admin runs one admin step with kafka-go's Client.
func admin(a []string) {
	ctx := context.Background()
	cl := &kafka.Client{Addr: kafka.TCP(c.Broker)}
	t := a[1]
	one := func(errs map[string]error, err error, what string) {
		c.Check(err, what)
		c.Check(errs[t], what+" "+t)
	}
	switch a[0] {
	case "admin-create":
		r, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: t,
			NumPartitions: c.Int(a[2]), ReplicationFactor: -1,
			ConfigEntries: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "3600000"}}}}})
		if err != nil {
			c.Die("CreateTopics: %v", err)
		}
		one(r.Errors, nil, "CreateTopics")
		c.Emit(map[string]any{"created": true})
	case "admin-describe":
		r, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{t}})
		c.Check(err, "Metadata")
		c.Check(r.Topics[0].Error, "Metadata "+t)
		c.Emit(map[string]any{"partitions": len(r.Topics[0].Partitions)})
	case "admin-configs":
		r, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t}}})
		c.Check(err, "DescribeConfigs")
		c.Check(r.Resources[0].Error, "DescribeConfigs "+t)
		out := map[string]any{}
		for _, e := range r.Resources[0].ConfigEntries {
			if e.ConfigName == "retention.ms" || e.ConfigName == "cleanup.policy" {
				out[e.ConfigName] = e.ConfigValue
			}
		}
		c.Emit(out)
	case "admin-alter":
		r, err := cl.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t, Configs: []kafka.IncrementalAlterConfigsRequestConfig{{
				Name: "retention.ms", Value: "7200000", ConfigOperation: kafka.ConfigOperationSet}}}}})
		c.Check(err, "IncrementalAlterConfigs")
		c.Check(r.Resources[0].Error, "IncrementalAlterConfigs "+t)
		c.Emit(map[string]any{"altered": true})
	case "admin-partitions":
		r, err := cl.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: t, Count: int32(c.Int(a[2]))}}})
		c.Check(err, "CreatePartitions")
		one(r.Errors, nil, "CreatePartitions")
		c.Emit(map[string]any{"partitions": c.Int(a[2])})
	case "admin-delete":
		r, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{t}})
		c.Check(err, "DeleteTopics")
		one(r.Errors, nil, "DeleteTopics")
		c.Emit(map[string]any{"deleted": true})
	default:
		c.Die("unknown step %s", a[0])
	}
}
