// Package deploy holds no code: its folder keeps the files that run
// digitnet elsewhere (kubernetes/: a Deployment, Service,
// HorizontalPodAutoscaler and PodDisruptionBudget), and its test checks
// them and the Dockerfile against the real server, since no container
// runtime runs here: the Dockerfile's build line yields a static binary
// that runs from an empty folder with an empty environment, the
// manifests parse, and their probes, ports and memory agree with the
// server's routes and flags. docs/deploy.md explains it all.
package deploy
