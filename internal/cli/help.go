package cli

import "github.com/spf13/cobra"

// helpTemplate renders help the way docker 28 does: "Usage:  …", the
// short description, then commands or options.
const helpTemplate = `Usage:  {{if .HasAvailableSubCommands}}{{if .HasParent}}{{.CommandPath}} COMMAND{{else}}{{.Name}} [OPTIONS] COMMAND{{end}}{{else}}{{.UseLine}}{{end}}

{{.Short}}
{{- if .HasAvailableSubCommands}}

Commands:
{{- range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}
{{- end}}
{{- if .HasAvailableLocalFlags}}

Options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- if .HasAvailableSubCommands}}

Each command has its own help: {{.CommandPath}} COMMAND --help
{{- end}}
`

func setHelp(root *cobra.Command) {
	root.SetHelpTemplate(helpTemplate)
	root.SetUsageTemplate(helpTemplate)
}
