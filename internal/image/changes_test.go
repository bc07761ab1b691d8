package image

import (
	"reflect"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth/berth/internal/errdefs"
)

func TestApplyChanges(t *testing.T) {
	var cfg dockerspec.DockerOCIImageConfig
	err := ApplyChanges(&cfg, []string{
		`CMD ["/bin/sh", "-c", "echo hi"]`,
		`ENTRYPOINT /bin/echo`,
		`ENV A=1 B="two words"`,
		`ENV C three four`,
		`EXPOSE 80 53/udp`,
		`LABEL maintainer=me "x.y"=z`,
		`USER nobody`,
		`VOLUME ["/data"]`,
		`VOLUME /a /b`,
		`WORKDIR /srv`,
		`WORKDIR app`,
		`STOPSIGNAL SIGINT`,
		`env A=overridden`,
		`ONBUILD RUN make`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Cmd, []string{"/bin/sh", "-c", "echo hi"}) {
		t.Errorf("Cmd %q", cfg.Cmd)
	}
	if !reflect.DeepEqual(cfg.Entrypoint, []string{"/bin/sh", "-c", "/bin/echo"}) {
		t.Errorf("Entrypoint %q", cfg.Entrypoint)
	}
	if !reflect.DeepEqual(cfg.Env, []string{"A=overridden", "B=two words", "C=three four"}) {
		t.Errorf("Env %q", cfg.Env)
	}
	if _, ok := cfg.ExposedPorts["80/tcp"]; !ok || len(cfg.ExposedPorts) != 2 {
		t.Errorf("ExposedPorts %v", cfg.ExposedPorts)
	}
	if cfg.Labels["maintainer"] != "me" || cfg.Labels["x.y"] != "z" {
		t.Errorf("Labels %v", cfg.Labels)
	}
	if cfg.User != "nobody" || cfg.WorkingDir != "/srv/app" || cfg.StopSignal != "SIGINT" {
		t.Errorf("User %q WorkingDir %q StopSignal %q", cfg.User, cfg.WorkingDir, cfg.StopSignal)
	}
	if len(cfg.OnBuild) != 1 || cfg.OnBuild[0] != "RUN make" {
		t.Errorf("OnBuild %q", cfg.OnBuild)
	}
	if len(cfg.Volumes) != 3 {
		t.Errorf("Volumes %v", cfg.Volumes)
	}
}

func TestApplyChangesInvalid(t *testing.T) {
	for _, ch := range []string{"RUN echo", "FROM x", "ENV", "ONBUILD FROM x", "LABEL novalue", `ENV A="unterminated`, "USER"} {
		var cfg dockerspec.DockerOCIImageConfig
		if err := ApplyChanges(&cfg, []string{ch}); !errdefs.IsInvalidParameter(err) {
			t.Errorf("%q: %v", ch, err)
		}
	}
}
