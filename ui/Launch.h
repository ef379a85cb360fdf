#pragma once

#include <QSize>
#include <QString>
#include <QStringList>

#include <string>

namespace ce::ui {

// `concurrency-explorer open FILE` and `concurrency-explorer window [--preset NAME]`: the
// window started where a lecture starts. Both take --present; --code shows the preset's
// Python, and for pictures made by the program itself, --size WxH, --replay-at SECONDS
// (a paused replay at that time) and --grab FILE.png (save the window and quit).
struct LaunchRequest {
    enum class Verb { Open, Window };
    Verb verb = Verb::Window;
    QString file;
    QString preset;
    bool present = false;
    bool code = false;
    QSize size;             // empty: the remembered size
    double replayAt = -1;   // seconds; negative: no replay
    QString grab;           // PNG to write, then quit
    std::string error;      // bad arguments: one line
};

bool isLaunchVerb(const char* argument);
// `arguments` after the program's name, the verb first.
LaunchRequest parseLaunch(const QStringList& arguments);
// Whether a window can be shown: a display, or a Qt platform chosen explicitly (offscreen).
bool canShowWindow();
// Runs the verb to the end: the process exit code (2 with one line on stderr for bad
// arguments, a file that cannot be opened, or no display).
int launchWindow(int argc, char** argv);

} // namespace ce::ui
