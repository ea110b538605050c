// Package stripemock runs stripe-mock (pinned as a Go tool in go.mod) for
// tests: Start launches it on a free loopback port, waits until it answers
// and stops it when the test ends.
//
// stripe-mock validates requests against Stripe's OpenAPI document and
// answers with fixture objects: created objects reflect some request
// parameters (amount, currency, payment_method_types) and get fresh ids;
// reads return the fixture for any id (a PaymentIntent in status
// requires_payment_method). It keeps no state.
package stripemock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/platform/logtest"
)

// Key is a test secret key stripe-mock accepts.
const Key = "sk_test_stripemock"

// Mock is a running stripe-mock.
type Mock struct {
	URL string // http://127.0.0.1:port, for STRIPE_API_BASE
}

// startTimeout bounds building (first use) and starting stripe-mock.
const startTimeout = 3 * time.Minute

// Start runs stripe-mock for tb. The binary is `go tool -n stripe-mock`
// (built once into the Go build cache); STRIPE_MOCK_BIN overrides it.
func Start(tb testing.TB) *Mock {
	tb.Helper()
	bin, err := binary()
	if err != nil {
		tb.Fatalf("stripemock: %v", err)
	}
	// -http-addr alone would also open the default HTTPS port 12112, shared
	// by every process: give HTTPS a free loopback port too.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	setProcAttr(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr logtest.Buffer // read after the process exits, written by its copier
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("stripemock: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	// stripe-mock prints "Listening for HTTP at address: 127.0.0.1:N" right
	// after it has bound the port; the rest of its output is drained.
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		const prefix = "Listening for HTTP at address: "
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				select {
				case addr <- strings.TrimSpace(a):
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case <-exited:
		tb.Fatalf("stripemock: exited before listening: %v\n%s", waitErr, stderr.String())
	case <-time.After(startTimeout):
		tb.Fatalf("stripemock: not listening after %s", startTimeout)
	}
	if err := probe(url); err != nil {
		tb.Fatalf("stripemock: %v", err)
	}
	return &Mock{URL: url}
}

// probe checks that the mock answers API requests. The port is bound before
// the address is printed, so the first request is queued by the kernel even
// if the server loop has not started yet.
func probe(url string) error {
	req, _ := http.NewRequest("GET", url+"/v1/payment_intents/pi_probe", nil)
	req.SetBasicAuth(Key, "")
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe: status %d", resp.StatusCode)
	}
	return nil
}

var binary = sync.OnceValues(func() (string, error) {
	if b := os.Getenv("STRIPE_MOCK_BIN"); b != "" {
		return b, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// Run from this package's directory, inside the module whose go.mod
	// pins the tool, whatever the test's working directory.
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command(goBin, "tool", "-n", "stripe-mock")
	cmd.Dir = filepath.Dir(self)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n stripe-mock: %v\n%s", err, errOut.String())
	}
	bin := strings.TrimSpace(string(out))
	if bin == "" {
		return "", errors.New("go tool -n stripe-mock printed nothing")
	}
	return bin, nil
})
