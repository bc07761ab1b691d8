package cri

import (
	"context"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/errdefs"
)

// PullImage pulls an image (":latest" when the reference names no tag
// or digest) with the request's credentials and answers its ID.
func (s *Server) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	named, err := reference.ParseNormalizedNamed(req.GetImage().GetImage())
	if err != nil {
		return nil, toStatus(errdefs.InvalidParameter(err))
	}
	ref := reference.TagNameOnly(named).String()
	auth := ""
	if a := req.GetAuth(); a != nil {
		auth, err = authconfig.Encode(registry.AuthConfig{
			Username: a.GetUsername(), Password: a.GetPassword(), Auth: a.GetAuth(), ServerAddress: a.GetServerAddress(),
			IdentityToken: a.GetIdentityToken(), RegistryToken: a.GetRegistryToken(),
		})
		if err != nil {
			return nil, toStatus(err)
		}
	}
	if err := s.cfg.Images.ImagePull(ctx, ref, "", "", auth, io.Discard); err != nil {
		return nil, toStatus(err)
	}
	in, err := s.cfg.Images.ImageInspect(ctx, ref)
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.PullImageResponse{ImageRef: in.ID}, nil
}

// ListImages lists the images, or the one the filter names.
func (s *Server) ListImages(ctx context.Context, req *runtimeapi.ListImagesRequest) (*runtimeapi.ListImagesResponse, error) {
	if name := req.GetFilter().GetImage().GetImage(); name != "" {
		st, err := s.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: name}})
		if err != nil || st.Image == nil {
			return &runtimeapi.ListImagesResponse{}, err
		}
		return &runtimeapi.ListImagesResponse{Images: []*runtimeapi.Image{st.Image}}, nil
	}
	list, err := s.cfg.Images.ImageList(ctx, false, nil, false)
	if err != nil {
		return nil, toStatus(err)
	}
	out := []*runtimeapi.Image{}
	for _, img := range list {
		st, err := s.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: img.ID}})
		if err == nil && st.Image != nil {
			out = append(out, st.Image)
		}
	}
	return &runtimeapi.ListImagesResponse{Images: out}, nil
}

// ImageStatus reports an image by reference or ID; an unknown image is an
// empty answer, not an error.
func (s *Server) ImageStatus(ctx context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	in, err := s.cfg.Images.ImageInspect(ctx, req.GetImage().GetImage())
	if errdefs.IsNotFound(err) {
		return &runtimeapi.ImageStatusResponse{}, nil
	}
	if err != nil {
		return nil, toStatus(err)
	}
	img := &runtimeapi.Image{
		Id: in.ID, RepoTags: in.RepoTags, RepoDigests: in.RepoDigests, Size: uint64(in.Size),
		Spec: &runtimeapi.ImageSpec{Image: in.ID},
	}
	if in.Config != nil {
		user, _, _ := strings.Cut(in.Config.User, ":")
		if uid, err := strconv.ParseInt(user, 10, 64); err == nil {
			img.Uid = &runtimeapi.Int64Value{Value: uid}
		} else {
			img.Username = user
		}
	}
	return &runtimeapi.ImageStatusResponse{Image: img}, nil
}

// RemoveImage removes an image and all its tags; an unknown image is
// removed.
func (s *Server) RemoveImage(ctx context.Context, req *runtimeapi.RemoveImageRequest) (*runtimeapi.RemoveImageResponse, error) {
	in, err := s.cfg.Images.ImageInspect(ctx, req.GetImage().GetImage())
	if err == nil {
		_, err = s.cfg.Images.ImageDelete(ctx, in.ID, true, true)
	}
	if err != nil && !errdefs.IsNotFound(err) {
		return nil, toStatus(err)
	}
	return &runtimeapi.RemoveImageResponse{}, nil
}

// ImageFsInfo reports the bytes and inodes under the image directory.
func (s *Server) ImageFsInfo(ctx context.Context, req *runtimeapi.ImageFsInfoRequest) (*runtimeapi.ImageFsInfoResponse, error) {
	var bytes, inodes uint64
	_ = filepath.WalkDir(s.cfg.ImageDir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				bytes += uint64(st.Blocks) * 512
			}
			inodes++
		}
		return nil
	})
	u := &runtimeapi.FilesystemUsage{
		Timestamp: time.Now().UnixNano(), FsId: &runtimeapi.FilesystemIdentifier{Mountpoint: s.cfg.ImageDir},
		UsedBytes: &runtimeapi.UInt64Value{Value: bytes}, InodesUsed: &runtimeapi.UInt64Value{Value: inodes},
	}
	return &runtimeapi.ImageFsInfoResponse{ImageFilesystems: []*runtimeapi.FilesystemUsage{u}}, nil
}
