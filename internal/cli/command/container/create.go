package container

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/berth/berth/internal/cli/streams"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"
)

// NewCreateCommand makes "berth create".
func NewCreateCommand(c command.Cli) *cobra.Command {
	o := &containerOptions{}
	cmd := command.New("create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a container from an image without starting it", command.MinArgs(1),
		func(cmd *cobra.Command, args []string) error {
			req, err := parseContainer(o, args, false, command.EnvLookup(c))
			if err != nil {
				return command.StatusError{Status: withHelp(err, "create"), Code: 125}
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return command.StatusError{Status: withHelp(err, "create"), Code: 125}
			}
			id, err := createContainer(c, cmd.Context(), api, req, o)
			if err != nil {
				return command.StatusError{Status: err.Error(), Code: 125}
			}
			fmt.Fprintln(c.Out(), id)
			return nil
		})
	addContainerFlags(cmd.Flags(), o)
	return cmd
}

// withHelp renders a run/create failure as docker does.
func withHelp(err error, name string) string {
	return fmt.Sprintf("berth: %s\n\nRun 'berth %s --help' for more information", err, name)
}

// createContainer creates the container, pulling the image first when the
// daemon does not have it (docker's "Unable to find image" path), and
// writes the --cidfile.
func createContainer(c command.Cli, ctx context.Context, api client.APIClient, req *containerRequest, o *containerOptions) (string, error) {
	if o.cidFile != "" {
		if _, err := os.Stat(o.cidFile); err == nil {
			return "", fmt.Errorf("container ID file found, make sure the other container isn't running or delete %s", o.cidFile)
		}
	}
	if req.HostConfig.ConsoleSize == [2]uint{} && req.Config.Tty {
		if sz, ok := streams.ConsoleSize(c.Out()); ok {
			req.HostConfig.ConsoleSize = sz
		}
	}
	var platform *ocispec.Platform
	if o.platform != "" {
		p, err := opts.ParsePlatform(o.platform)
		if err != nil {
			return "", err
		}
		platform = &p
	}
	create := func() (client.ContainerCreateResult, error) {
		opts := client.ContainerCreateOptions{
			Config:           req.Config,
			HostConfig:       req.HostConfig,
			NetworkingConfig: req.Networking,
			Name:             req.Name,
			Platform:         platform,
		}
		if o.healthOnFailure != "" {
			return CreateWithExtensions(ctx, api, opts, Extensions{HealthOnFailure: o.healthOnFailure})
		}
		return api.ContainerCreate(ctx, opts)
	}
	if o.pull == "always" {
		if err := pullImage(c, ctx, api, req.Config.Image, o.quietPull, platform); err != nil {
			return "", err
		}
	}
	res, err := create()
	if err != nil && cerrdefs.IsNotFound(err) && o.pull != "never" && isImageNotFound(err) {
		fmt.Fprintf(c.Err(), "Unable to find image '%s' locally\n", imageWithTag(req.Config.Image))
		if perr := pullImage(c, ctx, api, req.Config.Image, o.quietPull, platform); perr != nil {
			return "", perr
		}
		res, err = create()
	}
	if err != nil {
		return "", err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.Err(), "WARNING: %s\n", w)
	}
	if o.cidFile != "" {
		if err := os.WriteFile(o.cidFile, []byte(res.ID), 0o644); err != nil {
			return "", fmt.Errorf("write container ID file %s: %w", o.cidFile, err)
		}
	}
	return res.ID, nil
}

func isImageNotFound(err error) bool {
	s := err.Error()
	return strings.Contains(s, "No such image") || strings.Contains(s, "no such image")
}

// imageWithTag adds ":latest" to a reference without tag or digest.
func imageWithTag(ref string) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	slash := strings.LastIndex(ref, "/")
	if strings.LastIndex(ref, ":") > slash {
		return ref
	}
	return ref + ":latest"
}

// pullImage pulls ref, showing progress on stderr as docker run does.
func pullImage(c command.Cli, ctx context.Context, api client.APIClient, ref string, quiet bool, platform *ocispec.Platform) error {
	opts := client.ImagePullOptions{}
	if platform != nil {
		opts.Platforms = []ocispec.Platform{*platform}
	}
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		opts.RegistryAuth = command.RegistryAuth(c, named)
	}
	resp, err := api.ImagePull(ctx, imageWithTag(ref), opts)
	if err != nil {
		return err
	}
	defer resp.Close()
	out := c.Err()
	if quiet {
		out = io.Discard
	}
	fd, isTerm := streams.TerminalFd(out)
	return jsonmessage.DisplayJSONMessagesStream(resp, out, fd, isTerm, nil)
}
