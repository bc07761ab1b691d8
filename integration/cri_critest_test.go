package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// critestPath is where scripts/critest-build.sh caches critest.
const critestPath = "/var/cache/berth-test/critest"

// critestExceptions are the critest specs that fail on this host, by the
// end of their name, each with its reason; the README lists the same.
// Every other spec that runs must pass. All are specs of image names: no
// public registry is reachable here, and critest v1.37 pulls an image
// under a -registry-prefix with a port by its path only, dropping its tag
// or digest (framework.PrepareImageName), then asks for it by its public
// name, tag or digest.
var critestExceptions = map[string]string{
	"Image Manager public image with tag should be pulled and removed [Conformance]":                                           "lists the image by its public name (gcr.io/k8s-staging-cri-tools/test-image-tag:test) after pulling it under the prefix",
	"Image Manager public image without tag should be pulled and removed [Conformance]":                                        "lists the image by its public name after pulling it under the prefix",
	"Image Manager public image with digest should be pulled and removed [Conformance]":                                        "pulls by a public digest, which a locally pushed image cannot have",
	"Image Manager image status should support all kinds of references [Conformance]":                                          "asks for the image by its public name, tag and digest",
	"Image Manager image status get image fields should not have Uid|Username empty [Conformance]":                             "asks for the status of each user image by its public name",
	"Image Manager listImage should get exactly 3 image in the result list [Conformance]":                                      "compares the repo tags of the three images it pulled under the prefix with their public names",
	"Image Manager listImage should get exactly 3 repoTags in the result image [Conformance]":                                  "pulls three tags of one image (test-image-tags:1, 2 and 3), which the prefix makes one :latest",
	"Image Manager removing image by one tag should remove all tags [Conformance]":                                             "finds the pulled tags by their public names",
	"Image Manager removing image from one registry should remove all tags from other registries [Conformance]":                "pulls registry.k8s.io/pause:3.9 and k8s.gcr.io/pause:3.9, one name under the prefix, then looks for both public names",
	"Image Consistency should list and get image status immediately after pulling [Conformance]":                               "lists the image by its public name after pulling it under the prefix",
	"Image Consistency should not fail on simultaneous RemoveImage calls [Conformance]":                                        "asks for the image by its public name after pulling it under the prefix",
	"Image Identifier Consistency should return the same image identifier across all APIs [Conformance]":                       "asks for the image by its public name after pulling it under the prefix",
	"Image Identifier Consistency should return the same image identifier when pulled from different registries [Conformance]": "pulls registry.k8s.io/pause:3.9 and k8s.gcr.io/pause:3.9, then asks for each by its public name",
}

// critestRaceOOM is the spec whose memory limit a race build's init stage
// (make test-race) alone exceeds before its exec: an exception there only.
const critestRaceOOM = "Container OOM runtime should output OOMKilled reason should terminate with exitCode 137 and reason OOMKilled"

// critestSpec is one spec of a ginkgo JSON report.
type critestSpec struct {
	ContainerHierarchyTexts []string
	LeafNodeText            string
	State                   string
	Failure                 struct{ Message string }
}

// Kubernetes' CRI validation suite (critest v1.37.0) against berth's CRI,
// with its test images served by a local registry (scripts/critest.sh):
// every spec that runs passes, except the listed exceptions, each of which
// must still fail (a fixed one leaves the list).
func TestCRITest(t *testing.T) {
	if raceBuild() {
		critestExceptions[critestRaceOOM] = "a race build's init stage needs more memory than the spec's limit"
		defer delete(critestExceptions, critestRaceOOM)
	}
	d := startDaemon(t)
	reg := startRegistry(t, registryOpts{})
	cachedTool(t, "critest-build.sh", critestPath)
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join("..", "scripts", "critest.sh"), d.sock, d.execRoot, reg.host,
		"-ginkgo.json-report="+report, "-ginkgo.succinct")
	cmd.Env = append(os.Environ(), "CRITEST="+critestPath)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("critest ran in %s (exit: %v)", time.Since(start).Round(time.Second), err)
	data, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("critest wrote no report (%v): %v\n%s", err, rerr, out)
	}
	var reports []struct{ SpecReports []critestSpec }
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("critest report: %v (%d suites)", err, len(reports))
	}
	counts := map[string]int{}
	failed := map[string]bool{}
	for _, s := range reports[0].SpecReports {
		if s.LeafNodeText == "" { // a suite-level node
			continue
		}
		counts[s.State]++
		name := strings.Join(append(s.ContainerHierarchyTexts, s.LeafNodeText), " ")
		reason, excepted := exception(name)
		switch {
		case s.State == "passed" && excepted:
			t.Errorf("excepted spec passes (remove it from critestExceptions): %s (%s)", name, reason)
		case s.State != "passed" && s.State != "skipped" && !excepted:
			t.Errorf("spec %s: %s\n%s", s.State, name, s.Failure.Message)
		case excepted:
			failed[name] = true
		}
	}
	t.Logf("critest: %d passed, %d failed, %d skipped", counts["passed"], counts["failed"]+counts["panicked"]+counts["timedout"]+counts["aborted"]+counts["interrupted"], counts["skipped"])
	var unseen []string
	for suffix := range critestExceptions {
		seen := false
		for name := range failed {
			seen = seen || strings.HasSuffix(name, suffix)
		}
		if !seen {
			unseen = append(unseen, suffix)
		}
	}
	sort.Strings(unseen)
	for _, s := range unseen {
		t.Errorf("excepted spec did not fail (remove it from critestExceptions): %s", s)
	}
	if t.Failed() {
		t.Logf("critest output:\n%s", out)
	}
}

// exception is the reason why spec name may fail, if it is excepted.
func exception(name string) (string, bool) {
	for suffix, reason := range critestExceptions {
		if strings.HasSuffix(name, suffix) {
			return reason, true
		}
	}
	return "", false
}
