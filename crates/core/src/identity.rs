//! Identity stitching.
