// Package common holds what the Go client programs of the matrix share:
// the command line, the records of the produce scenario, the JSON lines
// they print (tests/kafka/clients/README.md) and the driver of the
// two-member group scenario, so each client's file holds only client calls.
package common

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"
)

// Broker is the bootstrap address (--broker HOST:PORT, the first two
// arguments); Args are the scenario and its arguments.
var Broker string
var Args []string

var outMu sync.Mutex

// Init parses "--broker B SCENARIO ARGS..." and arms the overall deadline.
func Init() {
	a := os.Args[1:]
	if len(a) < 3 || a[0] != "--broker" {
		Die("usage: %s --broker HOST:PORT SCENARIO ARGS...", os.Args[0])
	}
	Broker, Args = a[1], a[2:]
	go func() {
		time.Sleep(90 * Scale)
		Die("timed out after %v", 90*Scale)
	}()
}

// Scale stretches every deadline: a sanitizer build is slower
// (KS_IT_TIMEOUT_SCALE, tests/CMakeLists.txt).
var Scale = func() time.Duration {
	var n int
	if _, err := fmt.Sscan(os.Getenv("KS_IT_TIMEOUT_SCALE"), &n); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}()

func Die(format string, args ...any) {
	outMu.Lock()
	fmt.Fprintf(os.Stderr, "%s: %s\n", os.Args[0], fmt.Sprintf(format, args...))
	os.Exit(1)
}

func Check(err error, what string) {
	if err != nil {
		Die("%s: %v", what, err)
	}
}

// Emit prints one JSON line (whole lines, from any goroutine).
func Emit(v any) {
	b, err := json.Marshal(v)
	Check(err, "json")
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

// Spec is record i of the produce scenario (the same in every client):
// a null key for every tenth, seven keys otherwise, two headers.
func Spec(i int) (key *string, value string, headers [][2]string) {
	if i%10 != 9 {
		k := fmt.Sprintf("k%d", i%7)
		key = &k
	}
	return key, fmt.Sprintf("v%d \u00fc", i), [][2]string{{"i", fmt.Sprint(i)}, {"h2", "x"}}
}

type Header struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

// Record is the envelope `ks consume --json` prints.
type Record struct {
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Timestamp int64    `json:"timestamp"`
	Key       *string  `json:"key"`
	Value     *string  `json:"value"`
	Headers   []Header `json:"headers"`
}

func Str(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// Feed produces "key:value" lines to topic with the harness's feeder
// ($CLIENTS_FEED, kcat), so the group scenario does not depend on this
// client's producer.
func Feed(topic string, values []string) {
	cmd := exec.Command(os.Getenv("CLIENTS_FEED"), topic, "-K:")
	var in strings.Builder
	for i, v := range values {
		fmt.Fprintf(&in, "g%d:%s\n", i, v)
	}
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = os.Stderr
	Check(cmd.Run(), "feeding "+topic)
}

// Int parses a numeric argument.
func Int(s string) int {
	var n int
	_, err := fmt.Sscan(s, &n)
	Check(err, "number "+s)
	return n
}

// Group tracks the two members of the group scenario.
type Group struct {
	mu    sync.Mutex
	owned map[string]map[int32]bool
	read  map[string]bool
}

func NewGroup() *Group {
	return &Group{owned: map[string]map[int32]bool{"a": {}, "b": {}}, read: map[string]bool{}}
}

func sorted(ps []int32) []int32 {
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// Assigned and Revoked are called by the members' rebalance callbacks with
// the partitions added or taken away (all of them for eager protocols).
func (g *Group) Assigned(m string, ps []int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range ps {
		g.owned[m][p] = true
	}
	Emit(map[string]any{"ev": "assigned", "m": m, "parts": sorted(ps)})
}

func (g *Group) Revoked(m string, ps []int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range ps {
		delete(g.owned[m], p)
	}
	Emit(map[string]any{"ev": "revoked", "m": m, "parts": sorted(ps)})
}

func (g *Group) Read(m string, p int32, o int64, v string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.read[v] = true
	Emit(map[string]any{"ev": "rec", "m": m, "partition": p, "offset": o, "value": v})
}

func (g *Group) owns(a, b, parts int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	na, nb := len(g.owned["a"]), len(g.owned["b"])
	if a < 0 {
		return na > 0 && nb > 0 && na+nb == parts
	}
	return na == a && nb == b
}

func (g *Group) readAll(values []string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, v := range values {
		if !g.read[v] {
			return false
		}
	}
	return true
}

func waitFor(what string, cond func() bool) {
	end := time.Now().Add(40 * Scale)
	for !cond() {
		if time.Now().After(end) {
			Die("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Run drives the phases: a alone, a and b, a alone again after b closed;
// each phase waits for the ownership it expects, feeds 30 records and
// waits until they were all read. start(m) starts member m consuming (in
// its own goroutine); stop(m) closes it and returns when it left.
func (g *Group) Run(topic string, parts int, start func(m string), stop func(m string)) {
	phase := func(n int, wantA, wantB int, what string) {
		waitFor(what, func() bool { return g.owns(wantA, wantB, parts) })
		var vs []string
		for i := 0; i < 30; i++ {
			vs = append(vs, fmt.Sprintf("phase%d-%d", n, i))
		}
		Emit(map[string]any{"ev": "phase", "n": n, "values": vs})
		Feed(topic, vs)
		waitFor(fmt.Sprintf("the records of phase %d", n), func() bool { return g.readAll(vs) })
	}
	start("a")
	phase(1, parts, 0, "a to own every partition")
	start("b")
	phase(2, -1, -1, "a and b to share the partitions")
	stop("b")
	phase(3, parts, 0, "a to own every partition after b left")
	stop("a")
}
