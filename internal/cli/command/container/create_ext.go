package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"

	cerrdefs "github.com/containerd/errdefs"
	containertypes "github.com/moby/moby/api/types/container"
	networktypes "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// extCreateRequest is a create request whose HostConfig carries berth's
// extensions (the moby client sends Docker's fields only).
type extCreateRequest struct {
	*containertypes.Config
	HostConfig       extHostConfig                  `json:"HostConfig"`
	NetworkingConfig *networktypes.NetworkingConfig `json:"NetworkingConfig,omitempty"`
}

type extHostConfig struct {
	*containertypes.HostConfig
	Extensions
}

// Extensions are berth's fields of a create request's HostConfig.
type Extensions struct {
	// HealthOnFailure: none, kill, restart or stop (--health-on-failure).
	HealthOnFailure string `json:"BerthHealthOnFailure,omitempty"`
	// PortHandover: the container whose published host ports the new one
	// shares, and takes over once healthy (berth compose's start-first).
	PortHandover string `json:"BerthPortHandover,omitempty"`
}

// CreateWithExtensions posts the create request itself, through the API
// client's connection, with berth's HostConfig extensions.
func CreateWithExtensions(ctx context.Context, api client.APIClient, opts client.ContainerCreateOptions, ext Extensions) (client.ContainerCreateResult, error) {
	var res client.ContainerCreateResult
	body, err := json.Marshal(extCreateRequest{
		Config:           opts.Config,
		HostConfig:       extHostConfig{HostConfig: opts.HostConfig, Extensions: ext},
		NetworkingConfig: opts.NetworkingConfig,
	})
	if err != nil {
		return res, err
	}
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	if p := opts.Platform; p != nil {
		q.Set("platform", path.Join(p.OS, p.Architecture, p.Variant))
	}
	dial := api.Dialer()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) }}}
	defer hc.CloseIdleConnections()
	u := "http://berth/v" + api.ClientVersion() + "/containers/create?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return res, err
	}
	if resp.StatusCode != http.StatusCreated {
		var e struct{ Message string }
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e.Message = fmt.Sprintf("create: %s", resp.Status)
		}
		err := errors.New(e.Message)
		switch resp.StatusCode {
		case http.StatusNotFound:
			return res, cerrdefs.ErrNotFound.WithMessage(e.Message)
		case http.StatusBadRequest:
			return res, cerrdefs.ErrInvalidArgument.WithMessage(e.Message)
		case http.StatusConflict:
			return res, cerrdefs.ErrConflict.WithMessage(e.Message)
		}
		return res, err
	}
	var cr containertypes.CreateResponse
	err = json.Unmarshal(data, &cr)
	return client.ContainerCreateResult{ID: cr.ID, Warnings: cr.Warnings}, err
}
