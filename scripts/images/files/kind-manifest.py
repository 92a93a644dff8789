#!/usr/bin/env python3
"""Prints a manifest constant from kind's pkg/build/nodeimage Go source (const_cni.go / const_storage.go),
with its `raw` + ident + `raw` concatenation resolved: what `kind build node-image` writes to /kind/manifests."""
import re, sys
path, name = sys.argv[1], sys.argv[2]
src = open(path).read()
consts = dict(re.findall(r'const (\w+) = "([^"]*)"', src))
start = src.find('const %s = ' % name)
if start < 0:
    sys.exit(f'{name} not found in {path}')
i = start + len('const %s = ' % name)
out = []
while True:
    while src[i] in ' \t\n':
        i += 1
    if src[i] == '`':
        j = src.index('`', i + 1)
        out.append(src[i + 1:j]); i = j + 1
    else:
        m = re.match(r'\w+', src[i:])
        out.append(consts[m.group(0)]); i += len(m.group(0))
    k = i
    while k < len(src) and src[k] in ' \t':
        k += 1
    if k < len(src) and src[k] == '+':
        i = k + 1
        continue
    break
sys.stdout.write(''.join(out))
