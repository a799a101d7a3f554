#!/usr/bin/env python3
# Regenerate with: python3 icons/generate.py icons
# Writes a simple RGBA PNG icon: a rounded blue square with a white "switchboard" motif
# (three horizontal lines with a dot each, like patch cords). No dependencies beyond zlib.
import struct, zlib, sys

def png(w, h, pixels):
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(pixels[y*w*4:(y+1)*w*4]) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

def icon(n):
    px = bytearray(n*n*4)
    r = n*0.18
    for y in range(n):
        for x in range(n):
            fx, fy = x+0.5, y+0.5
            # rounded square mask with simple antialiasing via 4x4 supersampling
            cov = 0
            for sy in range(4):
                for sx in range(4):
                    px_ = x + (sx+0.5)/4; py_ = y + (sy+0.5)/4
                    dx = max(r - px_, 0, px_ - (n - r)); dy = max(r - py_, 0, py_ - (n - r))
                    if dx*dx + dy*dy <= r*r: cov += 1
            a = cov/16
            col = (37, 99, 235)
            u, v = fx/n, fy/n
            for i, ly in enumerate((0.32, 0.5, 0.68)):
                dot = (0.30, 0.62, 0.45)[i]
                if abs(v-ly) < 0.045 and 0.2 < u < 0.8: col = (255, 255, 255)
                if (u-dot)**2 + (v-ly)**2 < 0.085**2: col = (255, 255, 255)
            i = (y*n+x)*4
            px[i:i+4] = bytes((*col, int(round(a*255))))
    return png(n, n, px)

out = sys.argv[1]
for n, name in ((32, "32x32.png"), (128, "128x128.png"), (512, "icon.png")):
    open(f"{out}/{name}", "wb").write(icon(n))
