package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authstack/authstack/internal/jsonschema"
)

// starter is the spec that init writes; NAME is replaced by --name. It
// passes vet as written (tested), and the modeline gives editors the schema.
const starter = `# yaml-language-server: $schema=` + jsonschema.ID + `
#
# An AuthStack: one web app that uses Better Auth. Check it with
#   authstack vet -f stack.yaml
# and compile it with the Secret that holds BETTER_AUTH_SECRET:
#   authstack build -f stack.yaml -f better-auth-secret.yaml -o deploy
apiVersion: authstack.dev/v1alpha1
kind: AuthStack
metadata:
  name: NAME                      # DNS label, at most 41 characters
spec:
  namespace: NAME                 # optional: set on every object
  auth:
    url: https://NAME.example.com # BETTER_AUTH_URL: the public base URL
    secret:
      name: better-auth-secret    # the ONE Secret every component reads
      # key: better-auth-secret   # the default
      # revision: "2"             # bump to force a rotation
  database:
    # dialect: postgres           # the default; or mysql
    url: {name: NAME-database, key: database-url}   # DATABASE_URL
  components:
    frontend:
      image: ghcr.io/example/NAME-frontend:1.0.0
      port: 3000
      runtime: node               # node | python | go | other
      health: /api/health         # startup, liveness and readiness probes
      expose: /                   # routed by the target's ingress
    backend:
      image: ghcr.io/example/NAME-api:1.0.0
      port: 8000
      health: /health
      expose: /api/v1
  targets:
    # An https URL needs TLS in every environment (docs/platforms.md):
    minikube: {host: NAME.example.com, tlsSecretName: NAME-tls}   # a kubernetes.io/tls Secret; imagePullPolicy: Never by default
    # eks: {host: NAME.example.com}   # ACM certificate found by host, or certificateArn: "arn:aws:acm:…"
    # gke: {host: NAME.example.com}   # Google-managed certificate
    # aks: {host: NAME.example.com, keyVaultCertificateUri: "https://<vault>.vault.azure.net/certificates/<name>"}
`

var labelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func newInitCommand() *cobra.Command {
	var out, name string
	cmd := &cobra.Command{
		Use:   "init [-o FILE] [--name NAME]",
		Short: "Write a commented starter spec",
		Long: `Write a commented starter AuthStack spec that passes 'authstack vet', with
a yaml-language-server modeline so that editors validate and complete it
with the JSON Schema of 'authstack schema'. An existing file is never
overwritten.`,
		Example: `  authstack init --name shop && authstack vet -f stack.yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !labelRE.MatchString(name) || len(name) > 41 {
				return usageError{fmt.Errorf("--name %q: must be a DNS-1123 label of at most 41 characters (lowercase letters, digits and '-')", name)}
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists: not overwriting it (pass -o FILE to write elsewhere)", out)
			}
			if err != nil {
				return err
			}
			if _, err := f.WriteString(strings.ReplaceAll(starter, "NAME", name)); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: edit it, then run 'authstack vet -f %s'\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "stack.yaml", "the file to write")
	cmd.Flags().StringVar(&name, "name", "app", "the stack's name (metadata.name)")
	return cmd
}
