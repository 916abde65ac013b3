#!/usr/bin/perl
# Fails on string-built SQL (STYLE.md: parameterized SQL only).
#   1. snprintf / asprintf / vasprintf / strcat / strncat / dyn-style
#      appends whose string literals contain SELECT, INSERT, UPDATE,
#      DELETE, CREATE, ALTER or DROP: SQL is being assembled in a buffer.
#   2. PQexec / PQexecParams / PQprepare / PQsendQuery(Params) / pg_exec(_params) /
#      pg_run / pg_exec_one (and the tests' helpers dtest_sql, dtest_query1,
#      db_exec, db_scalar) whose SQL argument is not a string literal (or
#      a macro in capitals naming one): SQL from a variable may carry data.
#   3. pg_stmt initializers (pg_run_pipelined's statements) whose SQL, the
#      first member of each {...}, is not a literal or such a macro.
# Exceptions live in sql_allowlist.txt as "path | text in the call | reason".
# usage: check_sql.pl SOURCE_DIR
use strict;
use warnings;
use File::Find;

my $root = shift or die "usage: $0 SOURCE_DIR\n";
my $allow_file = "$root/tests/security/sql_allowlist.txt";
my @allow;
open(my $af, '<', $allow_file) or die "$allow_file: $!\n";
while (<$af>) {
    next if /^\s*(#|$)/;
    chomp;
    my ($path, $text, $reason) = map { s/^\s+|\s+$//gr } split /\|/, $_, 3;
    die "$allow_file:$.: need 'path | text | reason'\n" unless $path && $text && $reason;
    push @allow, {path => $path, text => $text, used => 0};
}
close $af;

my @files;
find(sub { push @files, $File::Find::name if /\.[ch]$/ && -f $_ },
     map { "$root/$_" } grep { -d "$root/$_" } qw(common services tools tests bench fuzz));

# A statement, not just the word: SELECT ... FROM, INSERT INTO, UPDATE x SET,
# DELETE FROM, CREATE/ALTER/DROP followed by an object kind.
my $obj = qr/(?:TABLE|DATABASE|INDEX|SCHEMA|ROLE|USER|VIEW|FUNCTION|TYPE|SEQUENCE|EXTENSION|TRIGGER)/;
my $kw = qr/\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+[\w."%]+\s+SET\b|\bDELETE\s+FROM\b|\b(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+|UNIQUE\s+)?$obj\b/s;
my @bad;

# The text of the call starting at $pos (the '(' after the name), with
# balanced parentheses; string and char literals are skipped over.
sub call_text {
    my ($s, $pos) = @_;
    my $depth = 0;
    my $i = $pos;
    while ($i < length $s) {
        my $ch = substr($s, $i, 1);
        if ($ch eq '"' || $ch eq "'") {
            my $q = $ch;
            $i++;
            while ($i < length $s && substr($s, $i, 1) ne $q) { $i += substr($s, $i, 1) eq '\\' ? 2 : 1; }
        } elsif ($ch eq '(') { $depth++ }
        elsif ($ch eq ')') { $depth--; return substr($s, $pos, $i - $pos + 1) if $depth == 0 }
        $i++;
    }
    return substr($s, $pos);
}

# Splits top-level arguments of "(a, b, c)".
sub args {
    my ($t) = @_;
    $t = substr($t, 1, length($t) - 2);
    my @a;
    my ($depth, $cur, $i) = (0, '', 0);
    while ($i < length $t) {
        my $ch = substr($t, $i, 1);
        if ($ch eq '"' || $ch eq "'") {
            my $j = $i + 1;
            while ($j < length $t && substr($t, $j, 1) ne $ch) { $j += substr($t, $j, 1) eq '\\' ? 2 : 1; }
            $cur .= substr($t, $i, $j - $i + 1);
            $i = $j + 1;
            next;
        }
        $depth++ if $ch eq '(';
        $depth-- if $ch eq ')';
        if ($ch eq ',' && $depth == 0) { push @a, $cur; $cur = ''; }
        else { $cur .= $ch }
        $i++;
    }
    push @a, $cur;
    return map { s/^\s+|\s+$//gr } @a;
}

# Blanks out comments (keeping newlines, so line numbers hold); string and
# character literals are left alone ("http://..." is not a comment).
sub strip_comments {
    my ($s) = @_;
    my $out = '';
    my $i = 0;
    my $n = length $s;
    while ($i < $n) {
        my $ch = substr($s, $i, 1);
        my $two = substr($s, $i, 2);
        if ($ch eq '"' || $ch eq "'") {
            my $j = $i + 1;
            while ($j < $n && substr($s, $j, 1) ne $ch && substr($s, $j, 1) ne "\n") {
                $j += substr($s, $j, 1) eq '\\' ? 2 : 1;
            }
            $out .= substr($s, $i, $j - $i + 1);
            $i = $j + 1;
        } elsif ($two eq '/*') {
            my $j = index($s, '*/', $i + 2);
            $j = $n - 2 if $j < 0;
            $out .= substr($s, $i, $j + 2 - $i) =~ s/[^\n]/ /gr;
            $i = $j + 2;
        } elsif ($two eq '//') {
            my $j = index($s, "\n", $i);
            $j = $n if $j < 0;
            $i = $j;
        } else {
            $out .= $ch;
            $i++;
        }
    }
    return $out;
}

sub allowed {
    my ($rel, $text) = @_;
    for my $a (@allow) {
        if ($a->{path} eq $rel && index($text, $a->{text}) >= 0) { $a->{used} = 1; return 1 }
    }
    return 0;
}

for my $f (sort @files) {
    open(my $fh, '<', $f) or die "$f: $!\n";
    local $/;
    my $s = <$fh>;
    close $fh;
    (my $rel = $f) =~ s/^\Q$root\E\///;
    $s = strip_comments($s);
    while ($s =~ /\b(snprintf|vsnprintf|asprintf|vasprintf|strcat|strncat|dyn_addf|dyn_printf)\s*\(/g) {
        my $name = $1;
        my $pos = pos($s) - 1;
        my $text = call_text($s, $pos);
        my $lits = join '', ($text =~ /"((?:[^"\\]|\\.)*)"/g);
        next unless $lits =~ $kw;
        my $line = 1 + (substr($s, 0, $pos) =~ tr/\n//);
        push @bad, "$rel:$line: $name builds SQL text" unless allowed($rel, $name . $text);
    }
    while ($s =~ /\b(PQexec|PQexecParams|PQprepare|PQsendQuery|PQsendQueryParams|pg_exec|pg_exec_params|pg_run|pg_exec_one|dtest_sql|dtest_query1|db_exec|db_scalar)\s*\(/g) {
        my $name = $1;
        my $pos = pos($s) - 1;
        my $text = call_text($s, $pos);
        my @a = args($text);
        my $sql = $name eq 'PQprepare' ? $a[2] : $a[1];
        next unless defined $sql;
        # A prototype or definition, not a call.
        next if $sql =~ /^const\s+char\s*\*/;
        # Literals, macros in capitals naming literals, and "c ? lit : lit".
        (my $rest = $sql) =~ s/"(?:[^"\\]|\\.)*"//g;
        $rest =~ s/\b[A-Z][A-Z0-9_]*\b(\s*\(\s*\))?//g;
        next if $rest =~ /^\s*$/ || $rest =~ /^\s*!?\s*[a-z_][\w.>-]*\s*\?\s*:\s*$/;
        my $line = 1 + (substr($s, 0, $pos) =~ tr/\n//);
        push @bad, "$rel:$line: $name with non-literal SQL ($sql)" unless allowed($rel, $name . $text);
    }
    while ($s =~ /\bpg_stmt\s+\w+(?:\s*\[\s*\w*\s*\])?\s*=\s*\{(.*?)\};/gs) {
        my ($body, $pos) = ($1, $-[0]);
        my $line = 1 + (substr($s, 0, $pos) =~ tr/\n//);
        while ($body =~ /\{([^{}]*)\}/g) {
            my ($sql) = args("($1)");
            (my $rest = $sql) =~ s/"(?:[^"\\]|\\.)*"//g;
            $rest =~ s/\b[A-Z][A-Z0-9_]*\b//g;
            push @bad, "$rel:$line: pg_stmt with non-literal SQL ($sql)" unless $rest =~ /^\s*$/;
        }
    }
}

for my $a (@allow) {
    push @bad, "sql_allowlist.txt: stale entry '$a->{path} | $a->{text}' matches nothing" unless $a->{used};
}
if (@bad) {
    print STDERR "string-built SQL (use parameters, or add a reasoned entry to tests/security/sql_allowlist.txt):\n";
    print STDERR "  $_\n" for @bad;
    exit 1;
}
print "check_sql: ", scalar(@files), " files, SQL is parameterized\n";
exit 0;
