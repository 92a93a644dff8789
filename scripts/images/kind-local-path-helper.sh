#!/usr/bin/env bash
# docker.io/kindest/local-path-helper:<kind tag>: the helper pod image local-path-provisioner runs its
# setup/teardown scripts in. kind's is distroless plus sh, rm and mkdir staged from Debian; this one stages
# the same three from the Debian bookworm base (bash as /bin/sh, like kind's).
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
ensure_base_image
ctx=$(context_dir)
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE AS build
RUN mkdir -p /stage/bin /stage/lib /stage/lib64 /stage/tmp && chmod 1777 /stage/tmp \
    && for b in /bin/bash /bin/rm /bin/mkdir; do cp -L "\$b" /stage/bin/; \
         for l in \$(ldd "\$b" | grep -o '/[^ ]*'); do cp -L --parents "\$l" /stage/; done; done \
    && ln -s bash /stage/bin/sh
FROM scratch
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=build /stage/ /
DOCKERFILE
build_image "$ctx"
say "built $IMAGE in $((SECONDS - t0))s"
