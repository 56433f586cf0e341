# digitnet in a container: one static binary (the model and the page are
# embedded) on a distroless base, run as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t digitnet .
#   docker run --rm -p 8080:8080 digitnet
#
# deploy/deploy_test.go runs this file's `go build` line and checks that it
# yields a static binary that runs from an empty folder with an empty
# environment. docs/deploy.md covers Kubernetes, TLS and scaling out.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download -x golang.org/x/image golang.org/x/sys golang.org/x/term github.com/klauspost/compress
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w -X main.version=${VERSION}" -o /out/digitnet ./cmd/digitnet

# static: no libc, no shell; nonroot: uid and gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/digitnet /digitnet
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/digitnet"]
# 0.0.0.0: reachable from outside the container. There is no
# authentication: put TLS and authentication in front (docs/deploy.md).
CMD ["serve", "--addr", "0.0.0.0:8080", "--max-memory", "512MiB"]
