//! Segment messages to events.
