#include "state_colors.h"

namespace entropix {

const char* StateColor(State s, Action a) {
  if (a == Action::kInsert) return "\x1b[2;33m";   // dim yellow: the inserted pause
  if (a == Action::kBranch) return "\x1b[4;34m";   // underlined blue: committed branch
  switch (s) {
    case State::kFixed: return "";
    case State::kFlowing: return "\x1b[32m";       // green
    case State::kTreading: return "\x1b[33m";      // yellow
    case State::kExploring: return "\x1b[36m";     // cyan
    case State::kResampling: return "\x1b[31m";    // red
    case State::kAdaptive: return "\x1b[35m";      // magenta
  }
  return "";
}

std::string StateColorLegend() {
  std::string line = "states:";
  for (int s = 0; s < kNumStates; ++s) {
    const State state = static_cast<State>(s);
    line += std::string(" ") + StateColor(state, Action::kArgmax) + StateName(state) + "\x1b[0m";
  }
  line += std::string(" ") + StateColor(State::kFixed, Action::kInsert) + "pause" + "\x1b[0m";
  line += std::string(" ") + StateColor(State::kFixed, Action::kBranch) + "branch" + "\x1b[0m";
  return line;
}

}  // namespace entropix
