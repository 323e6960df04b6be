package main

import (
	"github.com/IBM/sarama"

	c "ks/tests/kafka/clients/go/common"
)

// admin runs one admin step with sarama's ClusterAdmin.
func admin(a []string) {
	adm, err := sarama.NewClusterAdmin([]string{c.Broker}, sarama.NewConfig())
	c.Check(err, "NewClusterAdmin")
	defer adm.Close()
	t := a[1]
	switch a[0] {
	case "admin-create":
		v := "3600000"
		err := adm.CreateTopic(t, &sarama.TopicDetail{NumPartitions: int32(c.Int(a[2])), ReplicationFactor: -1,
			ConfigEntries: map[string]*string{"retention.ms": &v}}, false)
		c.Check(err, "CreateTopic")
		c.Emit(map[string]any{"created": true})
	case "admin-describe":
		ms, err := adm.DescribeTopics([]string{t})
		c.Check(err, "DescribeTopics")
		if ms[0].Err != sarama.ErrNoError {
			c.Die("DescribeTopics %s: %v", t, ms[0].Err)
		}
		c.Emit(map[string]any{"partitions": len(ms[0].Partitions)})
	case "admin-configs":
		es, err := adm.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: t})
		c.Check(err, "DescribeConfig")
		out := map[string]any{}
		for _, e := range es {
			if e.Name == "retention.ms" || e.Name == "cleanup.policy" {
				out[e.Name] = e.Value
			}
		}
		c.Emit(out)
	case "admin-alter":
		v := "7200000"
		err := adm.IncrementalAlterConfig(sarama.TopicResource, t,
			map[string]sarama.IncrementalAlterConfigsEntry{"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}}, false)
		c.Check(err, "IncrementalAlterConfig")
		c.Emit(map[string]any{"altered": true})
	case "admin-partitions":
		c.Check(adm.CreatePartitions(t, int32(c.Int(a[2])), nil, false), "CreatePartitions")
		c.Emit(map[string]any{"partitions": c.Int(a[2])})
	case "admin-delete":
		c.Check(adm.DeleteTopic(t), "DeleteTopic")
		c.Emit(map[string]any{"deleted": true})
	default:
		c.Die("unknown step %s", a[0])
	}
}
