package images

import (
	"context"
	"fmt"
	"strconv"

	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/reference"
)

// ImageDelete implements docker rmi: a tag is removed first; the image goes
// when its last reference goes. By ID, an image tagged in several
// repositories, or one a container uses, needs force. An image with child
// images is only untagged. With prune, untagged parents left without
// children are deleted too.
func (s *Service) ImageDelete(ctx context.Context, name string, force, prune bool) ([]imagetypes.DeleteResponse, error) {
	img, err := s.store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	id := img.ID
	short := shortID(id)
	var out []imagetypes.DeleteResponse
	byRef := false
	if n, err := reference.Parse(name); err == nil && !isIDName(name, id) {
		for _, t := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
			if t == n.String() {
				byRef = true
			}
		}
		if byRef {
			refs := len(img.RepoTags) + len(img.RepoDigests)
			if refs == 1 && !force && s.InUse(id.String()) {
				return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to remove repository reference %q (must force) - container is using its referenced image %s", name, short))
			}
			if _, err := s.store.Untag(ctx, n.String()); err != nil {
				return nil, err
			}
			out = append(out, imagetypes.DeleteResponse{Untagged: reference.Familiar(n.String())})
			s.event("untag", id.String(), id.String())
			if refs > 1 {
				return out, nil
			}
		}
	}
	if !byRef {
		if !force && distinctRepos(img.RepoTags) > 1 {
			return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", short))
		}
		if !force && s.InUse(id.String()) {
			return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (must be forced) - image is being used by a container", short))
		}
		if len(s.store.Children(ctx, id)) > 0 {
			return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (cannot be forced) - image has dependent child images", short))
		}
		for _, t := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
			if _, err := s.store.Untag(ctx, t); err != nil && !errdefs.IsNotFound(err) {
				return out, err
			}
			out = append(out, imagetypes.DeleteResponse{Untagged: reference.Familiar(t)})
			s.event("untag", id.String(), id.String())
		}
	}
	if len(s.store.Children(ctx, id)) > 0 {
		return out, nil // now an intermediate image of its children
	}
	del, err := s.deleteImage(ctx, img)
	out = append(out, del...)
	if err != nil {
		return out, err
	}
	for parent := img.Parent; prune && parent != ""; {
		p, err := s.store.Get(ctx, parent.String())
		if err != nil || len(p.RepoTags) > 0 || len(p.RepoDigests) > 0 || len(s.store.Children(ctx, p.ID)) > 0 || s.InUse(p.ID.String()) {
			break
		}
		del, err := s.deleteImage(ctx, p)
		out = append(out, del...)
		if err != nil {
			return out, err
		}
		parent = p.Parent
	}
	return out, nil
}

// deleteImage removes img and reports it and its freed layers.
func (s *Service) deleteImage(ctx context.Context, img *image.Image) ([]imagetypes.DeleteResponse, error) {
	layers, err := s.store.Delete(ctx, img.ID)
	if err != nil {
		return nil, err
	}
	s.event("delete", img.ID.String(), img.ID.String())
	out := []imagetypes.DeleteResponse{{Deleted: img.ID.String()}}
	for _, l := range layers {
		out = append(out, imagetypes.DeleteResponse{Deleted: l.String()})
	}
	return out, nil
}

// ImagesPrune removes dangling images, or with dangling=false every image
// no container uses (docker image prune [-a]); filters until and
// label/label! narrow the set.
func (s *Service) ImagesPrune(ctx context.Context, filters map[string][]string) (*imagetypes.PruneReport, error) {
	f := image.Filters(filters)
	if err := f.Validate("dangling", "until", "label", "label!"); err != nil {
		return nil, err
	}
	danglingOnly := true
	for _, v := range f["dangling"] {
		if v == "false" || v == "0" {
			danglingOnly = false
		}
	}
	notLabels := f["label!"]
	mf := image.Filters{"until": f["until"], "label": f["label"]}
	m, err := image.NewMatcher(mf, nil)
	if err != nil {
		return nil, err
	}
	imgs, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	sizes := map[digest.Digest]int64{}
	for _, img := range imgs {
		chains := image.ChainIDs(img.Config.RootFS.DiffIDs)
		for i, size := range s.store.LayerSizes(ctx, img) {
			sizes[chains[i]] = size
		}
	}
	rep := &imagetypes.PruneReport{ImagesDeleted: []imagetypes.DeleteResponse{}}
	for _, img := range imgs {
		if danglingOnly && len(img.RepoTags) > 0 {
			continue
		}
		if !m.Match(img) || hasAnyLabel(img, notLabels) || s.InUse(img.ID.String()) {
			continue
		}
		if len(s.store.Children(ctx, img.ID)) > 0 {
			continue
		}
		if _, err := s.store.Get(ctx, img.ID.String()); err != nil {
			continue // already removed as a parent
		}
		resp, err := s.ImageDelete(ctx, img.ID.String(), true, true)
		if err != nil {
			if errdefs.IsConflict(err) || errdefs.IsNotFound(err) {
				continue
			}
			return rep, err
		}
		for _, r := range resp {
			if r.Deleted != "" {
				rep.SpaceReclaimed += uint64(sizes[digest.Digest(r.Deleted)])
			}
		}
		rep.ImagesDeleted = append(rep.ImagesDeleted, resp...)
	}
	s.publish("prune", "", map[string]string{"reclaimed": strconv.FormatUint(rep.SpaceReclaimed, 10)})
	return rep, nil
}

func hasAnyLabel(img *image.Image, labels []string) bool {
	for _, l := range labels {
		m, _ := image.NewMatcher(image.Filters{"label": {l}}, nil)
		if m.Match(img) {
			return true
		}
	}
	return false
}

func distinctRepos(tags []string) int {
	seen := map[string]bool{}
	for _, t := range tags {
		seen[reference.FamiliarName(t)] = true
	}
	return len(seen)
}

// isIDName reports whether name, as given, designates the image by ID.
func isIDName(name string, id digest.Digest) bool {
	if !reference.LooksLikeID(name) {
		return false
	}
	return len(name) >= 1 && len(reference.TrimID(name)) <= len(id.Encoded()) &&
		id.Encoded()[:len(reference.TrimID(name))] == reference.TrimID(name)
}

func shortID(id digest.Digest) string {
	e := id.Encoded()
	if len(e) > 12 {
		return e[:12]
	}
	return e
}
