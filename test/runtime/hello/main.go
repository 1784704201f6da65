// hello is the real-node self-test workload: an HTTP server on $PORT
// (default 8080) whose / reports the user it runs as and whether the root
// filesystem is writable, and whose /healthz answers "ok".
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rootErr := os.WriteFile("/rootfs-probe", []byte("x"), 0o600)
		host, _ := os.Hostname()
		fmt.Fprintf(w, "host=%s uid=%d rootWritable=%v\n", host, os.Getuid(), rootErr == nil)
	})
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
