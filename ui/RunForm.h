#pragma once

#include "ce/Presets.h"
#include "ce/RunConfig.h"

#include <QWidget>

#include <map>

class QLabel;
class QListWidget;

namespace ce::ui {

// The presets and a form with every workload and model option of the command line, built
// from core's option table (Options.h): one widget per option the table shows in the form,
// picked by its kind (check box, combo box with its choices, spin box with its bounds), under
// the table's group headings, with the CLI's help as tooltip; validated as you type.
class RunForm : public QWidget {
    Q_OBJECT
public:
    explicit RunForm(QWidget* parent = nullptr);

    // The config the form describes, or an empty optional and the problem in one sentence.
    std::optional<RunConfig> config(QString* problem) const;
    void selectPreset(const QString& name);
    QString presetName() const;
    // Sets one option as it would be typed on the command line; false when the field cannot
    // take the value (not a number, outside the bounds, not a choice).
    bool setOption(const std::string& name, const QString& value);
    // The widget of an option; nullptr for options the form does not show.
    QWidget* field(const std::string& name) const;
Q_SIGNALS:
    void changed();

private:
    void loadPreset(const Preset& preset);
    void resetFields();

    QListWidget* m_presets = nullptr;
    QLabel* m_explanation = nullptr;
    std::map<std::string, QWidget*> m_fields; // by option name
    QString m_preset;
    bool m_loading = false;
};

} // namespace ce::ui
