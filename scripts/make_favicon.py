"""Draw public/favicon.ico, served at /favicon.ico for browsers that never read the page's SVG
icon, from the shapes of static/img/favicon.svg: python scripts/make_favicon.py"""

from pathlib import Path

from PIL import Image, ImageDraw

SCALE = 8  # drawn at 256 px, the ICO's largest size
# (x, y, width, height, radius, colour) in the SVG's 32-unit box
SHAPES = [
    (0, 0, 32, 32, 8, "#4f46e5"),
    (7, 7, 8, 18, 2, "#f7f7fe"),
    (17, 7, 8, 8, 2, "#c7d2fe"),
    (17, 17, 8, 8, 2, "#a5b4fc"),
]


def main() -> None:
    image = Image.new("RGBA", (32 * SCALE, 32 * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for x, y, w, h, r, colour in SHAPES:
        box = [x * SCALE, y * SCALE, (x + w) * SCALE - 1, (y + h) * SCALE - 1]
        draw.rounded_rectangle(box, radius=r * SCALE, fill=colour)
    out = Path(__file__).resolve().parent.parent / "public" / "favicon.ico"
    image.save(out, sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    print(out)


if __name__ == "__main__":
    main()
