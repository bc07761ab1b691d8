package network

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

var networkHeaders = map[string]string{
	"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4", "IPv6": "IPV6",
	"Internal": "INTERNAL", "Labels": "LABELS", "Label": "LABEL", "CreatedAt": "CREATED AT",
}

// NewNetworkCommand makes "berth network".
func NewNetworkCommand(c command.Cli) *cobra.Command {
	return command.Group("network", "Manage networks",
		NewNetworkCreateCommand(c), NewNetworkLsCommand(c), NewNetworkInspectCommand(c),
		NewNetworkRmCommand(c), NewNetworkPruneCommand(c), NewNetworkConnectCommand(c), NewNetworkDisconnectCommand(c),
	)
}

type networkCreateOptions struct {
	driver, ipamDriver, scope        string
	subnets, gateways, ipRanges      []string
	labels, options                  []string
	internal, attachable, ipv6, ipv4 bool
}

// networkCreateRequest turns the flags into the API request; subnets pair
// with gateways and ranges in order, as docker does.
func networkCreateRequest(o networkCreateOptions, changedIPv6, changedIPv4 bool) (client.NetworkCreateOptions, error) {
	req := client.NetworkCreateOptions{
		Driver: o.driver, Scope: o.scope, Internal: o.internal, Attachable: o.attachable,
		Options: opts.ParseLabels(o.options), Labels: opts.ParseLabels(o.labels),
	}
	if changedIPv6 {
		v := o.ipv6
		req.EnableIPv6 = &v
	}
	if changedIPv4 {
		v := o.ipv4
		req.EnableIPv4 = &v
	}
	if len(o.gateways) > len(o.subnets) || len(o.ipRanges) > len(o.subnets) {
		return req, fmt.Errorf("every ip-range or gateway must have a corresponding subnet")
	}
	var cfgs []network.IPAMConfig
	for i, s := range o.subnets {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return req, fmt.Errorf("invalid subnet %s: %w", s, err)
		}
		cfg := network.IPAMConfig{Subnet: p}
		if i < len(o.gateways) {
			if cfg.Gateway, err = netip.ParseAddr(o.gateways[i]); err != nil {
				return req, fmt.Errorf("invalid gateway %s: %w", o.gateways[i], err)
			}
		}
		if i < len(o.ipRanges) {
			if cfg.IPRange, err = netip.ParsePrefix(o.ipRanges[i]); err != nil {
				return req, fmt.Errorf("invalid ip-range %s: %w", o.ipRanges[i], err)
			}
		}
		cfgs = append(cfgs, cfg)
	}
	if len(cfgs) > 0 || o.ipamDriver != "default" {
		req.IPAM = &network.IPAM{Driver: o.ipamDriver, Config: cfgs}
	}
	return req, nil
}

// NewNetworkCreateCommand makes "berth network create".
func NewNetworkCreateCommand(c command.Cli) *cobra.Command {
	var o networkCreateOptions
	cmd := command.New("create [OPTIONS] NETWORK", "Create a network", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			req, err := networkCreateRequest(o, cmd.Flags().Changed("ipv6"), cmd.Flags().Changed("ipv4"))
			if err != nil {
				return err
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.NetworkCreate(cmd.Context(), args[0], req)
			return command.PrintMade(c, res.ID, err)
		})
	f := cmd.Flags()
	f.StringVarP(&o.driver, "driver", "d", "bridge", "Network driver")
	f.StringVar(&o.ipamDriver, "ipam-driver", "default", "IP address management (IPAM) driver")
	f.StringVar(&o.scope, "scope", "", "Scope of the network (e.g. local)")
	f.Var(opts.NewList(&o.subnets), "subnet", "Subnet of the network, in CIDR form")
	f.Var(opts.NewList(&o.gateways), "gateway", "Gateway address of a subnet (IPv4 or IPv6)")
	f.Var(opts.NewList(&o.ipRanges), "ip-range", "Give containers addresses from this part of the subnet (CIDR)")
	f.Var(opts.NewList(&o.labels), "label", "Label the network, KEY=VALUE")
	f.VarP(opts.NewList(&o.options), "opt", "o", "Driver option, KEY=VALUE")
	f.BoolVar(&o.internal, "internal", false, "Cut the network off from the outside")
	f.BoolVar(&o.attachable, "attachable", false, "Let standalone containers connect to it")
	f.BoolVar(&o.ipv6, "ipv6", false, "Give the network IPv6 addresses")
	f.BoolVar(&o.ipv4, "ipv4", true, "Give the network IPv4 addresses")
	return cmd
}

// NewNetworkLsCommand makes "berth network ls".
func NewNetworkLsCommand(c command.Cli) *cobra.Command {
	var quiet, noTrunc bool
	var fmtStr string
	var filters []string
	cmd := command.New("ls [OPTIONS]", "List networks", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			return command.List[*networkRow]{Format: fmtStr, Quiet: quiet, QuietFormat: "{{.ID}}", Filters: filters,
				Table: "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", Headers: networkHeaders,
				Rows: func(ctx context.Context, api client.APIClient, f client.Filters) ([]*networkRow, error) {
					res, err := api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
					return command.Rows(res.Items, err, func(n network.Summary) *networkRow { return &networkRow{n: n, trunc: !noTrunc} })
				}}.Run(cmd.Context(), c)
		})
	cmd.Aliases = []string{"list"}
	f := cmd.Flags()
	f.BoolVarP(&quiet, "quiet", "q", false, "Print network IDs only")
	f.BoolVar(&noTrunc, "no-trunc", false, "Print every field in full")
	f.StringVar(&fmtStr, "format", "", "Go template to print with")
	f.VarP(opts.NewList(&filters), "filter", "f", `Filter, key=value (e.g. "driver=bridge")`)
	return cmd
}

// networkRow is one "network ls" row; its methods are the --format fields.
type networkRow struct {
	n     network.Summary
	trunc bool
}

// MarshalJSON renders every field, for "{{json .}}".
func (r *networkRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r, "Label") }

// ID is the network ID, short unless --no-trunc.
func (r *networkRow) ID() string { return format.ID(r.n.ID, r.trunc) }

// Name is the network name.
func (r *networkRow) Name() string { return r.n.Name }

// Driver is the network driver.
func (r *networkRow) Driver() string { return r.n.Driver }

// Scope is local, global or swarm.
func (r *networkRow) Scope() string { return r.n.Scope }

// IPv4 tells whether IPv4 is enabled.
func (r *networkRow) IPv4() string { return strconv.FormatBool(r.n.EnableIPv4) }

// IPv6 tells whether IPv6 is enabled.
func (r *networkRow) IPv6() string { return strconv.FormatBool(r.n.EnableIPv6) }

// Internal tells whether the network is internal.
func (r *networkRow) Internal() string { return strconv.FormatBool(r.n.Internal) }

// Labels are k=v pairs.
func (r *networkRow) Labels() string { return format.JoinLabels(r.n.Labels) }

// Label returns one label.
func (r *networkRow) Label(name string) string { return r.n.Labels[name] }

// CreatedAt is the creation time.
func (r *networkRow) CreatedAt() string { return r.n.Created.String() }

// NewNetworkInspectCommand makes "berth network inspect".
func NewNetworkInspectCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	var verbose bool
	cmd := command.NewInspectCommand(c, "inspect [OPTIONS] NETWORK [NETWORK...]", "Print the full description of networks as JSON", &fmtStr,
		func(api client.APIClient) (command.InspectFunc, error) { return Inspector(api, verbose), nil })
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "Add details for troubleshooting")
	return cmd
}

// Inspector fetches one network, in the daemon's verbose form with verbose.
func Inspector(api client.APIClient, verbose bool) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		res, err := api.NetworkInspect(ctx, name, client.NetworkInspectOptions{Verbose: verbose})
		return command.Inspected(res.Network, res.Raw, err)
	}
}

// NewNetworkRmCommand makes "berth network rm".
func NewNetworkRmCommand(c command.Cli) *cobra.Command {
	var force bool
	cmd := command.NewAPI(c, "rm NETWORK [NETWORK...]", "Delete networks", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			status := 0
			for _, n := range args {
				if _, err := api.NetworkRemove(cmd.Context(), n, client.NetworkRemoveOptions{}); err != nil {
					if force && isNotFound(err) {
						continue
					}
					fmt.Fprintln(c.Err(), err)
					status = 1
					continue
				}
				fmt.Fprintln(c.Out(), n)
			}
			if status != 0 {
				return command.StatusError{Code: status}
			}
			return nil
		})
	cmd.Aliases = []string{"remove"}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "No error when a network does not exist")
	return cmd
}

// NewNetworkPruneCommand makes "berth network prune".
func NewNetworkPruneCommand(c command.Cli) *cobra.Command {
	return command.NewPruneCommand(c, "Delete every network that no container uses", "", `Filter, key=value (e.g. "until=<timestamp>")`,
		func(bool) command.Prune {
			return command.Prune{Warning: "WARNING! This will remove all custom networks not used by at least one container.",
				NoTotal: true, Remove: Prune}
		})
}

// Prune removes the networks no container uses that match f and returns
// the report (removing a network reclaims no space).
func Prune(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
	res, err := api.NetworkPrune(ctx, client.NetworkPruneOptions{Filters: f})
	return command.Pruned(0, "Deleted Networks", res.Report.NetworksDeleted, err)
}

// NewNetworkConnectCommand makes "berth network connect".
func NewNetworkConnectCommand(c command.Cli) *cobra.Command {
	var ip, ip6 string
	var aliases []string
	cmd := command.New("connect [OPTIONS] NETWORK CONTAINER", "Add a container to a network", command.ExactArgs(2),
		func(cmd *cobra.Command, args []string) error {
			ep := &network.EndpointSettings{Aliases: aliases}
			if ip != "" || ip6 != "" {
				ep.IPAMConfig = &network.EndpointIPAMConfig{}
				var err error
				if ip != "" {
					if ep.IPAMConfig.IPv4Address, err = netip.ParseAddr(ip); err != nil {
						return fmt.Errorf("invalid IPv4 address: %s", ip)
					}
				}
				if ip6 != "" {
					if ep.IPAMConfig.IPv6Address, err = netip.ParseAddr(ip6); err != nil {
						return fmt.Errorf("invalid IPv6 address: %s", ip6)
					}
				}
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			_, err = api.NetworkConnect(cmd.Context(), args[0], client.NetworkConnectOptions{Container: args[1], EndpointConfig: ep})
			return err
		})
	f := cmd.Flags()
	f.StringVar(&ip, "ip", "", "Fixed IPv4 address on the network (e.g. 172.30.100.104)")
	f.StringVar(&ip6, "ip6", "", "Fixed IPv6 address on the network (e.g. 2001:db8::33)")
	f.Var(opts.NewList(&aliases), "alias", "Extra name of the container on this network")
	return cmd
}

// NewNetworkDisconnectCommand makes "berth network disconnect".
func NewNetworkDisconnectCommand(c command.Cli) *cobra.Command {
	var force bool
	cmd := command.NewAPI(c, "disconnect [OPTIONS] NETWORK CONTAINER", "Take a container off a network", command.ExactArgs(2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			_, err := api.NetworkDisconnect(cmd.Context(), args[0], client.NetworkDisconnectOptions{Container: args[1], Force: force})
			return err
		})
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Forget the connection even if leaving the network fails")
	return cmd
}

// isNotFound reports whether the daemon answered 404.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
