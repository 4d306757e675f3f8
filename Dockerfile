# labgrid in a container: a static binary on distroless, run as non-root.
#   docker build -t labgrid .      (or: docker compose up, see docker-compose.yml)
FROM golang:1.26 AS build
WORKDIR /src
# Modules first: a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/labgrid ./cmd/labgrid

# CA certificates (for AWS) and time zones are in the base image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/labgrid /usr/local/bin/labgrid
USER nonroot:nonroot
# In a container the port must be reachable from outside it.
ENV LABGRID_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/labgrid"]
CMD ["serve"]
