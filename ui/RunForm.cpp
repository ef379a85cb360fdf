#include "RunForm.h"

#include "ce/Options.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include <functional>
#include <limits>
#include <optional>

namespace ce::ui {

namespace {
// Below an option's minimum a spin box can show one more value, by name: a word outside the
// bounds ("auto" for --chunksize) or a default another option decides ("default" for
// --workers: the model's own). The form reads that value back as the word, or as not given.
struct SpinFloor {
    double value = 0;
    QString text;
    bool isWord = false;
};

std::optional<SpinFloor> spinFloor(const OptionSpec& o)
{
    for (const OptionWord& w : o.words) {
        if (w.value < o.min)
            return SpinFloor{w.value, QString::fromStdString(w.word), true};
    }
    const double byDefault = o.get(RunConfig{});
    if (byDefault < o.min)
        return SpinFloor{byDefault, QObject::tr("default"), false};
    return std::nullopt;
}

// A double spin box that shows 150 as "150", not "150.00", and 0.1 as "0.1": the value as one
// would type it on the command line. Decimals still bound what can be typed.
class NumberSpinBox : public QDoubleSpinBox {
public:
    QString textFromValue(double value) const override
    {
        QString text = locale().toString(value, 'f', decimals());
        const QString point = locale().decimalPoint();
        if (text.contains(point)) {
            while (text.endsWith(QLatin1Char('0')))
                text.chop(1);
            if (text.endsWith(point))
                text.chop(point.size());
        }
        return text;
    }
};

// Whole numbers beyond an int (--iterations) go in a double spin box without decimals.
bool fitsSpinBox(const OptionSpec& o) { return o.kind == OptionKind::Int && o.max <= std::numeric_limits<int>::max(); }

QWidget* makeField(const OptionSpec& o, QObject* receiver, const std::function<void()>& changed)
{
    switch (o.kind) {
    case OptionKind::Switch: {
        auto* check = new QCheckBox;
        QObject::connect(check, &QCheckBox::toggled, receiver, changed);
        return check;
    }
    case OptionKind::Enum: {
        auto* combo = new QComboBox;
        for (const std::string& choice : o.choices)
            combo->addItem(QString::fromStdString(choice));
        QObject::connect(combo, &QComboBox::currentIndexChanged, receiver, changed);
        return combo;
    }
    case OptionKind::Int:
    case OptionKind::Double: {
        const auto floor = spinFloor(o);
        const double low = floor ? floor->value : o.min;
        if (fitsSpinBox(o)) {
            auto* spin = new QSpinBox;
            spin->setRange(static_cast<int>(low), static_cast<int>(o.max));
            if (floor)
                spin->setSpecialValueText(floor->text);
            QObject::connect(spin, &QSpinBox::valueChanged, receiver, changed);
            return spin;
        }
        auto* spin = new NumberSpinBox;
        spin->setDecimals(o.kind == OptionKind::Int ? 0 : 2);
        spin->setRange(low, o.max);
        if (floor)
            spin->setSpecialValueText(floor->text);
        QObject::connect(spin, &QDoubleSpinBox::valueChanged, receiver, changed);
        return spin;
    }
    default: {
        auto* edit = new QLineEdit;
        edit->setPlaceholderText(QString::fromStdString(o.valueName));
        QObject::connect(edit, &QLineEdit::textChanged, receiver, changed);
        return edit;
    }
    }
}

void showValue(QWidget* field, const OptionSpec& o, double v)
{
    if (auto* check = qobject_cast<QCheckBox*>(field))
        check->setChecked(v != 0);
    else if (auto* combo = qobject_cast<QComboBox*>(field))
        combo->setCurrentIndex(static_cast<int>(v));
    else if (auto* spin = qobject_cast<QSpinBox*>(field))
        spin->setValue(static_cast<int>(v));
    else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(field))
        dspin->setValue(v);
    else if (auto* edit = qobject_cast<QLineEdit*>(field))
        edit->setText(QString::fromStdString(o.format(v)));
}

// The field's value as typed on the command line; a null string for "not given".
QString typedValue(const QWidget* field, const OptionSpec& o)
{
    if (const auto* check = qobject_cast<const QCheckBox*>(field))
        return check->isChecked() ? QStringLiteral("on") : QStringLiteral("off");
    if (const auto* combo = qobject_cast<const QComboBox*>(field))
        return combo->currentText();
    if (const auto* edit = qobject_cast<const QLineEdit*>(field))
        return edit->text().trimmed().isEmpty() ? QString() : edit->text().trimmed();
    double v = 0;
    if (const auto* spin = qobject_cast<const QSpinBox*>(field))
        v = spin->value();
    else if (const auto* dspin = qobject_cast<const QDoubleSpinBox*>(field))
        v = dspin->value();
    if (v < o.min) {
        const auto floor = spinFloor(o);
        return floor && floor->isWord ? floor->text : QString();
    }
    return QString::fromStdString(o.format(v));
}

QString groupTitle(FormGroup group)
{
    switch (group) {
    case FormGroup::Workload: return QObject::tr("Workload");
    case FormGroup::Model: return QObject::tr("Model");
    case FormGroup::Measurement: return QObject::tr("Measurement");
    case FormGroup::Hidden: break;
    }
    return {};
}

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

    auto* form = new QFormLayout;
    for (FormGroup group : {FormGroup::Workload, FormGroup::Model, FormGroup::Measurement}) {
        form->addRow(new QLabel(QStringLiteral("<b>%1</b>").arg(groupTitle(group))));
        for (const OptionSpec& o : runOptions()) {
            if (o.group != group)
                continue;
            const std::string def = o.defaultValue();
            const QString help = QString::fromStdString(o.help + (def.empty() ? std::string() : " (default " + def + ")"));
            QWidget* field = makeField(o, this, [this] { Q_EMIT changed(); });
            field->setToolTip(help);
            m_fields[o.name] = field;
            auto* label = new QLabel(QString::fromStdString(o.name));
            label->setToolTip(help);
            label->setBuddy(field);
            form->addRow(label, field);
        }
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
    for (auto& [name, field] : m_fields) {
        const OptionSpec& o = *findRunOption(name);
        showValue(field, o, o.get(defaults));
    }
    m_loading = wasLoading;
}

bool RunForm::setOption(const std::string& name, const QString& value)
{
    const auto it = m_fields.find(name);
    if (it == m_fields.end())
        return false;
    const OptionSpec& o = *findRunOption(name);
    double v = 0;
    if (parseOptionValue(o, value.trimmed().toStdString(), &v))
        return false;
    showValue(it->second, o, v);
    return true;
}

QWidget* RunForm::field(const std::string& name) const
{
    const auto it = m_fields.find(name);
    return it == m_fields.end() ? nullptr : it->second;
}

void RunForm::loadPreset(const Preset& preset)
{
    resetFields();
    m_loading = true;
    for (const auto& [name, value] : preset.options)
        setOption(name, QString::fromStdString(value));
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
    for (const auto& [name, field] : m_fields) {
        const QString value = typedValue(field, *findRunOption(name));
        if (value.isNull())
            continue; // not given: the default
        if (const ConfigProblem p = ce::setOption(c, name, value.toStdString())) {
            if (problem)
                *problem = QString::fromStdString(p.message);
            return std::nullopt;
        }
    }
    c.preset = m_preset.toStdString();
    // The worker's path is the window's to add when it runs the config.
    const ConfigProblem p = validateConfig(withDefaults(c));
    if (p && p.code != ConfigError::NeedsWorkerExecutable) {
        if (problem)
            *problem = QString::fromStdString(p.message);
        return std::nullopt;
    }
    return c;
}

} // namespace ce::ui
