#include "RunForm.h"

#include "ce/Options.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace ce::ui {

namespace {
// Testing aids of the command line that have no place in the window.
bool hiddenOption(const std::string& name) { return name == "crash-task"; }

// The default delegate sizes a wrapped row at a width a few pixels wider than the one it
// paints at, so a title that only just wraps lost its last line. This one measures the
// title a little narrower than the row is drawn, so every line of it always has room.
class WrappingTitleDelegate : public QStyledItemDelegate {
public:
    WrappingTitleDelegate(QListView* view) : QStyledItemDelegate(view), m_view(view) {}

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        const int width = m_view->viewport()->width();
        const QFontMetrics fm(option.font);
        const QString text = index.data(Qt::DisplayRole).toString();
        const int textHeight = fm.boundingRect(QRect(0, 0, std::max(1, width - 12), 100000), Qt::TextWordWrap, text).height();
        size.setWidth(std::min(size.width(), width));
        size.setHeight(std::max(size.height(), textHeight + fm.height() / 2));
        return size;
    }

private:
    QListView* m_view;
};
} // namespace

RunForm::RunForm(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>Presets</b> — each reproduces one lesson")));
    m_presets = new QListWidget;
    // Titles wrap rather than scroll sideways: a preset is found by reading its title.
    m_presets->setWordWrap(true);
    m_presets->setTextElideMode(Qt::ElideNone);
    m_presets->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_presets->setResizeMode(QListView::Adjust);
    m_presets->setUniformItemSizes(false);
    m_presets->setItemDelegate(new WrappingTitleDelegate(m_presets));
    m_presets->setMinimumHeight(150);
    m_presets->setMaximumHeight(300);
    for (const Preset& p : presets()) {
        auto* item = new QListWidgetItem(QString::fromStdString(p.title), m_presets);
        item->setData(Qt::UserRole, QString::fromStdString(p.name));
        item->setToolTip(QString::fromStdString(p.explanation));
    }
    layout->addWidget(m_presets);
    m_explanation = new QLabel;
    m_explanation->setWordWrap(true);
    // No fixed colour: the palette's text colour stays readable in both themes.
    layout->addWidget(m_explanation);

    layout->addWidget(new QLabel(tr("<b>Workload and model</b> (empty: the default)")));
    auto* form = new QFormLayout;
    for (const OptionSpec& o : runOptions()) {
        const std::string name = o.name;
        if (hiddenOption(name))
            continue;
        const QString help = QString::fromUtf8(o.help);
        const QString value = o.valueName ? QString::fromUtf8(o.valueName) : QString();
        QWidget* field = nullptr;
        if (!o.valueName) {
            auto* check = new QCheckBox;
            connect(check, &QCheckBox::toggled, this, &RunForm::changed);
            m_checks[name] = check;
            field = check;
        } else if (value.contains(QLatin1Char('|')) && !value.contains(QLatin1Char('N'))) {
            auto* combo = new QComboBox;
            combo->addItems(value.split(QLatin1Char('|')));
            connect(combo, &QComboBox::currentIndexChanged, this, &RunForm::changed);
            m_combos[name] = combo;
            field = combo;
        } else {
            auto* edit = new QLineEdit;
            edit->setPlaceholderText(value);
            edit->setClearButtonEnabled(true);
            connect(edit, &QLineEdit::textChanged, this, &RunForm::changed);
            m_edits[name] = edit;
            field = edit;
        }
        field->setToolTip(help);
        auto* label = new QLabel(QString::fromStdString(name));
        label->setToolTip(help);
        form->addRow(label, field);
    }
    layout->addLayout(form);
    layout->addStretch(1);
    resetFields();

    connect(m_presets, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (!item)
            return;
        if (const auto p = findPreset(item->data(Qt::UserRole).toString().toStdString()))
            loadPreset(*p);
    });
    connect(this, &RunForm::changed, this, [this] {
        if (!m_loading)
            m_preset.clear(); // edited by hand: no longer exactly the preset
    });
}

void RunForm::resetFields()
{
    const bool wasLoading = m_loading;
    m_loading = true;
    const RunConfig defaults;
    for (auto& [name, edit] : m_edits)
        edit->clear();
    for (auto& [name, check] : m_checks)
        check->setChecked(false);
    m_combos["workload"]->setCurrentText(QString::fromUtf8(toString(defaults.workload).data()));
    m_combos["kernel"]->setCurrentText(QString::fromUtf8(toString(defaults.kernel).data()));
    m_combos["io"]->setCurrentText(QString::fromUtf8(toString(defaults.io).data()));
    m_combos["model"]->setCurrentText(QString::fromUtf8(toString(defaults.model).data()));
    m_combos["offload-to"]->setCurrentText(QString::fromUtf8(toString(defaults.offloadTo).data()));
    m_loading = wasLoading;
}

void RunForm::setField(const std::string& name, const QString& value)
{
    if (auto it = m_edits.find(name); it != m_edits.end())
        it->second->setText(value);
    else if (auto c = m_combos.find(name); c != m_combos.end())
        c->second->setCurrentText(value);
    else if (auto k = m_checks.find(name); k != m_checks.end())
        k->second->setChecked(value == QStringLiteral("on") || value == QStringLiteral("true") || value == QStringLiteral("1"));
}

void RunForm::loadPreset(const Preset& preset)
{
    resetFields();
    m_loading = true;
    for (const auto& [name, value] : preset.options)
        setField(name, QString::fromStdString(value));
    m_preset = QString::fromStdString(preset.name);
    m_explanation->setText(QString::fromStdString(preset.explanation));
    Q_EMIT changed(); // still loading: this is the preset, not an edit by hand
    m_loading = false;
}

void RunForm::selectPreset(const QString& name)
{
    for (int i = 0; i < m_presets->count(); ++i) {
        if (m_presets->item(i)->data(Qt::UserRole).toString() == name) {
            m_presets->setCurrentRow(i);
            return;
        }
    }
}

QString RunForm::presetName() const { return m_preset; }

std::optional<RunConfig> RunForm::config(QString* problem) const
{
    RunConfig c;
    auto apply = [&](const std::string& name, const QString& value) {
        const std::string why = applyOption(c, name, value.trimmed().toStdString());
        if (!why.empty() && problem)
            *problem = QString::fromStdString(why);
        return why.empty();
    };
    for (const auto& [name, combo] : m_combos) {
        if (!apply(name, combo->currentText()))
            return std::nullopt;
    }
    for (const auto& [name, edit] : m_edits) {
        if (!edit->text().trimmed().isEmpty() && !apply(name, edit->text()))
            return std::nullopt;
    }
    for (const auto& [name, check] : m_checks) {
        if (!apply(name, check->isChecked() ? QStringLiteral("on") : QStringLiteral("off")))
            return std::nullopt;
    }
    c.preset = m_preset.toStdString();
    const std::string why = validate(withDefaults(c));
    if (!why.empty() && why.find("worker executable") == std::string::npos) {
        if (problem)
            *problem = QString::fromStdString(why);
        return std::nullopt;
    }
    return c;
}

} // namespace ce::ui
