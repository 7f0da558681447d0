// Package imageio reads and writes the image and point files that aomas uses on disk:
// 8/16-bit grayscale PNG and TIFF (single and multi-page), RGB overlay PNGs, and cone-point
// CSV / manual-mark files. It converts between file pixels and imaging.Image.
package imageio
