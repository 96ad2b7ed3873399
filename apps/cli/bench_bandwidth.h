// The machine's memory read bandwidth, measured in-process with the thread
// pool that runs the model: the ceiling a decode step runs against (every
// weight byte and every cached key/value is read once per step), so
// `entropix bench` reports decode speed as a share of it (GB/s, % bw).
#pragma once

namespace entropix {

class ThreadPool;

// Best of a few passes summing a buffer far larger than any cache, split
// across the pool's threads. GB/s in units of 1e9 bytes per second.
double MeasureReadBandwidthGbs(ThreadPool& pool);

}  // namespace entropix
