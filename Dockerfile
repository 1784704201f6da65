# authstack as a container KRM function (kpt `image:`, kustomize `container:`)
# and as the image of the jwks purge Job.
# `make image` builds the equivalent image without a Docker daemon
# (hack/mkimage, internal/ociimage): the same static binary at the same path,
# user 65532:65532 and entrypoint; keep the two in step.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/authstack ./cmd/authstack

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/authstack /usr/local/bin/authstack
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/authstack"]
