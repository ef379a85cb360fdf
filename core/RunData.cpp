#include "ce/RunData.h"

namespace ce {

std::string_view toString(RunStatus s)
{
    switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Completed: return "completed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Failed: return "failed";
    }
    return "unknown";
}

} // namespace ce
