#pragma once

#include "ce/Presets.h"
#include "ce/RunConfig.h"

#include <QWidget>

#include <map>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace ce::ui {

// The presets and a form with every workload and model option of the command line, built
// from core's option table (so the tooltips are the CLI's help) and validated as you type.
class RunForm : public QWidget {
    Q_OBJECT
public:
    explicit RunForm(QWidget* parent = nullptr);

    // The config the form describes, or an empty optional and the problem in one sentence.
    std::optional<RunConfig> config(QString* problem) const;
    void selectPreset(const QString& name);
    QString presetName() const;

Q_SIGNALS:
    void changed();

private:
    void loadPreset(const Preset& preset);
    void resetFields();
    void setField(const std::string& name, const QString& value);

    QListWidget* m_presets = nullptr;
    QLabel* m_explanation = nullptr;
    std::map<std::string, QLineEdit*> m_edits;
    std::map<std::string, QComboBox*> m_combos;
    std::map<std::string, QCheckBox*> m_checks;
    QString m_preset;
    bool m_loading = false;
};

} // namespace ce::ui
