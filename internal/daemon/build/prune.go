package build

import (
	"context"
	"strconv"

	buildtypes "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/events"
	"github.com/opencontainers/go-digest"
)

// BuildCachePrune empties the build cache and deletes the intermediate
// images it named that nothing else needs: untagged, not the result of a
// build, without children and not used by a container.
func (s *Service) BuildCachePrune(ctx context.Context, all bool) (*buildtypes.CachePruneReport, error) {
	cache, err := s.buildCache()
	if err != nil {
		return nil, err
	}
	entries, err := cache.Prune()
	if err != nil {
		return nil, err
	}
	rep := &buildtypes.CachePruneReport{CachesDeleted: []string{}}
	for _, r := range s.contexts.Prune() {
		rep.CachesDeleted = append(rep.CachesDeleted, r.ID)
		rep.SpaceReclaimed += uint64(r.Size)
	}
	candidates := map[digest.Digest]bool{}
	for _, e := range entries {
		rep.CachesDeleted = append(rep.CachesDeleted, e.Key[:12])
		if !e.Final {
			candidates[digest.Digest(e.ID)] = true
		}
	}
	rep.SpaceReclaimed += s.deleteUnused(ctx, candidates)
	if s.publish != nil {
		s.publish(events.Message{Type: events.BuilderEventType, Action: events.ActionPrune,
			Actor: events.Actor{Attributes: map[string]string{"reclaimed": strconv.FormatUint(rep.SpaceReclaimed, 10)}}})
	}
	return rep, nil
}

// deleteUnused deletes the candidate images that have no tag, repo digest,
// child or container, until no more can go (a deleted child frees its
// parent), and returns the space their deletion reclaimed.
func (s *Service) deleteUnused(ctx context.Context, candidates map[digest.Digest]bool) uint64 {
	var reclaimed uint64
	for progress := true; progress; {
		progress = false
		for id := range candidates {
			img, err := s.store.Get(ctx, id.String())
			if err != nil {
				delete(candidates, id)
				continue
			}
			if len(img.RepoTags) > 0 || len(img.RepoDigests) > 0 || len(s.store.Children(ctx, id)) > 0 || s.images.InUse(id.String()) {
				continue
			}
			if _, err := s.store.Delete(ctx, id); err == nil {
				reclaimed += uint64(max(img.Size, 0))
				progress = true
			}
			delete(candidates, id)
		}
	}
	return reclaimed
}
