// franz-go (kgo, kadm) against a Kafka broker, the same three commands as the
// other clients of tests/clients:
//
//	produce TOPIC N        idempotent, acks=all, keyed records with headers
//	dump OUT TOPIC...      every record of the topics as canonical JSON lines, sorted
//	group TOPIC GROUP N    consume N records in a group, commit, describe the group
//	                       (kadm) and check its committed offsets against the end offsets
//
// The broker is $KAFKA_BOOTSTRAP.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "franzgo_client: "+format+"\n", args...)
	os.Exit(1)
}

func seeds() []string { return strings.Split(os.Getenv("KAFKA_BOOTSTRAP"), ",") }

func newClient(opts ...kgo.Opt) *kgo.Client {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds()...), kgo.ClientID("evpipe-franzgo-test")}, opts...)...)
	if err != nil {
		fail("client: %v", err)
	}
	return cl
}

func produce(topic string, n int) {
	// Idempotence is kgo's default (unless disabled); acks=all is what it requires.
	// No compression: kgo defaults to snappy, which kafka-python and kafkajs cannot read here.
	cl := newClient(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.AllowAutoTopicCreation(), kgo.ProducerLinger(5*time.Millisecond))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, 0, n)
	for i := 0; i < n; i++ {
		recs = append(recs, &kgo.Record{
			Key:   []byte(fmt.Sprintf("k%d", i)),
			Value: []byte(fmt.Sprintf("franz value %d \u2713 \"q\" tab\there", i)),
			Headers: []kgo.RecordHeader{{Key: "client", Value: []byte("franz")},
				{Key: "n", Value: []byte(strconv.Itoa(i))}},
		})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		fail("produce: %v", err)
	}
}

// canonical: sorted keys, no HTML escaping, UTF-8 as is (like json.dumps(ensure_ascii=False)).
func canonical(r *kgo.Record) string {
	var key, value any
	if r.Key != nil {
		key = string(r.Key)
	}
	if r.Value != nil {
		value = string(r.Value)
	}
	headers := make([][2]string, 0, len(r.Headers))
	for _, h := range r.Headers {
		headers = append(headers, [2]string{h.Key, string(h.Value)})
	}
	obj := struct {
		Headers   [][2]string `json:"headers"`
		Key       any         `json:"key"`
		Offset    int64       `json:"offset"`
		Partition int32       `json:"partition"`
		Topic     string      `json:"topic"`
		Value     any         `json:"value"`
	}{headers, key, r.Offset, r.Partition, r.Topic, value}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		fail("json: %v", err)
	}
	return buf.String() // ends with "\n"
}

func endOffsets(adm *kadm.Client, topics ...string) (map[string]map[int32]int64, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		fail("list start offsets: %v", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		fail("list end offsets: %v", err)
	}
	out := map[string]map[int32]int64{}
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.Offset
		s, _ := starts.Lookup(o.Topic, o.Partition)
		total += o.Offset - s.Offset
	})
	return out, total
}

func dump(out string, topics []string) {
	cl := newClient()
	defer cl.Close()
	_, total := endOffsets(kadm.NewClient(cl), topics...)
	cons := newClient(kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cons.Close()
	var lines []string
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	for int64(len(lines)) < total {
		fetches := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			fail("dump: %d of %d records after 40 s", len(lines), total)
		}
		fetches.EachError(func(t string, p int32, err error) { fail("dump: fetch %s/%d: %v", t, p, err) })
		fetches.EachRecord(func(r *kgo.Record) { lines = append(lines, canonical(r)) })
	}
	sort.Strings(lines)
	if err := os.WriteFile(out, []byte(strings.Join(lines, "")), 0o644); err != nil {
		fail("dump: %v", err)
	}
}

func group(topic, groupID string, n int) {
	cl := newClient(kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	seen := 0
	for seen < n {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			fail("group: read %d of %d records after 40 s", seen, n)
		}
		fetches.EachError(func(t string, p int32, err error) { fail("group: fetch %s/%d: %v", t, p, err) })
		seen += fetches.NumRecords()
	}
	if seen != n {
		fail("group: read %d records, want %d", seen, n)
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		fail("group: commit: %v", err)
	}
	// Describe the group while this member is in it.
	described, err := adm.DescribeGroups(ctx, groupID)
	if err == nil {
		err = described.Error()
	}
	if err != nil {
		fail("group: describe: %v", err)
	}
	g := described[groupID]
	if g.State != "Stable" || len(g.Members) != 1 || g.ProtocolType != "consumer" {
		fail("group: described state %q, %d members, protocol type %q; want Stable, 1, consumer",
			g.State, len(g.Members), g.ProtocolType)
	}
	if c, ok := g.Members[0].Assigned.AsConsumer(); !ok || len(c.Topics) != 1 || c.Topics[0].Topic != topic {
		fail("group: the member's assignment is not %s: %+v", topic, g.Members[0].Assigned)
	}
	ends, _ := endOffsets(adm, topic)
	committed, err := adm.FetchOffsets(ctx, groupID)
	if err == nil {
		err = committed.Error()
	}
	if err != nil {
		fail("group: fetch offsets: %v", err)
	}
	var sum int64
	for p, end := range ends[topic] {
		o, ok := committed.Lookup(topic, p)
		if !ok || o.At != end {
			fail("group: committed %d for %s/%d, want %d", o.At, topic, p, end)
		}
		sum += o.At
	}
	if sum != int64(n) {
		fail("group: committed offsets sum %d, want %d", sum, n)
	}
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: franzgo_client produce TOPIC N | dump OUT TOPIC... | group TOPIC GROUP N")
	}
	switch os.Args[1] {
	case "produce":
		n, _ := strconv.Atoi(os.Args[3])
		produce(os.Args[2], n)
	case "dump":
		dump(os.Args[2], os.Args[3:])
	case "group":
		n, _ := strconv.Atoi(os.Args[4])
		group(os.Args[2], os.Args[3], n)
	default:
		fail("unknown command %q", os.Args[1])
	}
}
