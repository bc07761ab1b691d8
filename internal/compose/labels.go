package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
)

// The labels docker compose puts on what it creates; both tools find a
// project's resources by them.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelNumber      = "com.docker.compose.container-number"
	LabelVolume      = "com.docker.compose.volume"
	LabelNetwork     = "com.docker.compose.network"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelSlug        = "com.docker.compose.slug"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelVersion     = "com.docker.compose.version"
	LabelReplace     = "com.docker.compose.replace"
)

// Version is the compose version berth's labels claim: the docker compose
// release whose behaviour berth follows.
const Version = "2.40.3"

func projectLabels(p *types.Project, service string) types.Labels {
	return types.Labels{
		LabelProject:     p.Name,
		LabelService:     service,
		LabelVersion:     Version,
		LabelWorkingDir:  p.WorkingDir,
		LabelConfigFiles: strings.Join(p.ComposeFiles, ","),
		LabelOneoff:      "False",
	}
}

// ServiceHash is the configuration hash of a service as docker compose
// computes it: the SHA-256 of the JSON of the service without what does
// not need a new container (build, pull policy, scale, replicas,
// dependencies, profiles).
func ServiceHash(s types.ServiceConfig) (string, error) {
	s.Build = nil
	s.PullPolicy = ""
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	s.DependsOn = nil
	s.Profiles = nil
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// projectFilter selects a project's resources, and of those, with more
// label=value pairs, a subset.
func projectFilter(project string, more ...string) client.Filters {
	f := client.Filters{}.Add("label", LabelProject+"="+project)
	for _, m := range more {
		f.Add("label", m)
	}
	return f
}

func number(labels map[string]string) int {
	n, _ := strconv.Atoi(labels[LabelNumber])
	return n
}
