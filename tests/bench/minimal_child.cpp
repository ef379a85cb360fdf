// The smallest program bench_spawn starts: what posix_spawn + waitpid cost with nothing to
// load beyond the C++ runtime.
int main()
{
    return 0;
}
