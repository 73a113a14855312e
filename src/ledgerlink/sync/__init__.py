"""Syncs: pull operations (queued, run by the job worker, recorded as history), schedules and data status."""
